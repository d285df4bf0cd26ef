/**
 * The harness's own rules (issue 11): a run has a temporary folder of its own,
 * tempDir() folders go with their test file, and what in-process code writes
 * straight to stdout (the artifact client's `::debug::` lines) is held.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { holdOutput } from './held-output.js'
import { removeTempDirs, tempDir } from './temp.js'

describe('temporary folders', () => {
  it("are made in the run's own folder (test/support/tmp-root.ts), for this process and its children", () => {
    expect(basename(tmpdir())).toMatch(/^tm-vitest-\d+-/)
    expect(process.env.TMPDIR).toBe(tmpdir())
    expect(dirname(tempDir())).toBe(tmpdir())
  })

  it('made with tempDir() are removed, with what is in them', () => {
    const dir = tempDir('tm-harness-')
    writeFileSync(join(dir, 'file'), 'x')
    removeTempDirs()
    expect(existsSync(dir)).toBe(false)
  })
})

describe('holdOutput', () => {
  it('keeps writes to stdout from reaching it, in order, until released', async () => {
    const outer = holdOutput([process.stdout])
    const inner = holdOutput([process.stdout])
    const done = new Promise((resolve) => process.stdout.write('::debug::two\n', resolve))
    expect(process.stdout.write(Buffer.from('::add-mask::x\n'))).toBe(true)
    await done
    expect(inner.text()).toBe('::debug::two\n::add-mask::x\n')
    inner.release()
    inner.release()
    expect(outer.text()).toBe('::debug::two\n::add-mask::x\n')
    outer.drop()
    expect(outer.text()).toBe('')
  })
})
