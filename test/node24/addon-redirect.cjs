/**
 * Preloaded (`NODE_OPTIONS=--require …/addon-redirect.cjs`) into every
 * process of the Node 24 test run that inherits NODE_OPTIONS — vitest, its
 * workers, and each `tm`, agent or server process the tests start with
 * `process.execPath` or as `node` (run.mjs puts Node 24 first on PATH).
 *
 * node_modules/better-sqlite3 holds an addon compiled for the machine's Node
 * (NODE_MODULE_VERSION 115 on Node 20), which Node 24 (137) refuses to load.
 * test/node24/run.mjs compiles the same better-sqlite3 sources for Node 24
 * and names the result in `TM_NODE24_ADDON`; this hook hands that file to
 * `process.dlopen` whenever better-sqlite3's own addon is asked for. Every
 * other line of better-sqlite3 and of our code runs unchanged.
 *
 * @throws Error (on the first load of the addon) when `TM_NODE24_ADDON` is
 *   unset, so a wrong set-up fails loudly instead of loading the wrong ABI.
 */
'use strict'

const ADDON = /[\\/]better-sqlite3[\\/]build[\\/]Release[\\/]better_sqlite3\.node$/
const original = process.dlopen

// Only Node 24 is redirected: a test may start the machine's own Node too
// (`node` from a README command run by sh), which keeps its own addon.
const onNode24 = process.versions.node.split('.')[0] === '24'

process.dlopen = function dlopen(module, filename, ...rest) {
  if (onNode24 && typeof filename === 'string' && ADDON.test(filename)) {
    const target = process.env.TM_NODE24_ADDON
    if (!target) {
      throw new Error(
        'TM_NODE24_ADDON is not set: run the Node 24 tests with `npm run test:node24`, which builds it.',
      )
    }
    return original.call(this, module, target, ...rest)
  }
  return original.call(this, module, filename, ...rest)
}
