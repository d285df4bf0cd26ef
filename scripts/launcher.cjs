#!/usr/bin/env node
// Launcher of the bundled `tm`: runs build/tm-main.cjs with a V8 code cache.
//
// `tm` is started once per agent action; compiling its JavaScript is a large
// part of its start-up. Node 22 has module.enableCompileCache() for this; on
// Node 20 we do the same for our own bundles: each build/*.cjs file is
// compiled with the cached data saved by an earlier run, and when there was
// none (or V8 rejected it) a fresh cache is written when the process exits —
// after the command ran, so it also holds the functions that ran. Cache files
// are named by a hash of the bundle's content and the Node version, and V8
// rejects data from another V8, so a stale cache costs a compile, never a
// wrong result. The cache lives in build/.v8-cache/, or the system temp
// folder when build/ is read-only.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')
const os = require('node:os')

const buildDir = __dirname
const tag = `${process.version}-${process.arch}`
const fresh = []
let cacheDir = path.join(buildDir, '.v8-cache')

// V8 checks cached data against the source's length only, so the file name
// carries a hash of the content: a rebuilt bundle never runs stale code.
function cachePath(filename, content) {
  // FNV-1a over the text (no node:crypto: loading it costs more than hashing).
  let h1 = 0x811c9dc5
  let h2 = 0x01000193
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = Math.imul(h2 ^ c, 0x5bd1e995)
  }
  const hash = `${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}`
  return path.join(cacheDir, `${path.basename(filename)}-${hash}-${tag}.bin`)
}

const compile = Module.prototype._compile
Module.prototype._compile = function (content, filename) {
  if (!filename.startsWith(buildDir) || !filename.endsWith('.cjs'))
    return compile.call(this, content, filename)
  const file = cachePath(filename, content)
  let cachedData
  try {
    cachedData = fs.readFileSync(file)
  } catch {}
  const script = new vm.Script(Module.wrap(content.replace(/^#!.*/, '')), { filename, cachedData })
  if (!cachedData || script.cachedDataRejected) fresh.push({ script, file })
  const require = Module.createRequire(filename)
  return script
    .runInThisContext({ displayErrors: true })
    .call(this.exports, this.exports, require, this, filename, path.dirname(filename))
}

process.once('exit', () => {
  for (const { script, file } of fresh) {
    for (const dir of [cacheDir, path.join(os.tmpdir(), 'task-orchestrator-v8-cache')]) {
      try {
        fs.mkdirSync(dir, { recursive: true })
        const target = path.join(dir, path.basename(file))
        const temp = `${target}.${process.pid}.tmp`
        fs.writeFileSync(temp, script.createCachedData())
        fs.renameSync(temp, target)
        break
      } catch {
        cacheDir = path.join(os.tmpdir(), 'task-orchestrator-v8-cache')
      }
    }
  }
})

require('./tm-main.cjs')
