#!/usr/bin/env node
// Launcher of the bundled `tm`: runs build/tm-main.cjs with a V8 code cache.
//
// `tm` is started once per agent action; compiling its JavaScript is a large
// part of its start-up. Node 22 has module.enableCompileCache() for this; on
// Node 20 we do the same for our own bundles: each build/*.cjs file is
// compiled with the cached data saved by an earlier run, and when there was
// none (or V8 rejected it) a fresh cache is written when the process exits —
// after the command ran, so it also holds the functions that ran. V8 checks
// the data against the source and its own version and ignores a mismatch, so
// a stale cache costs a compile, never a wrong result. The cache lives in
// build/.v8-cache/, or the system temp folder when build/ is read-only.
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

function cachePath(filename, content) {
  const stamp = `${path.basename(filename)}-${content.length}-${tag}.bin`
  return path.join(cacheDir, stamp)
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
