/**
 * Holding what in-process code writes straight to `process.stdout` or
 * `process.stderr`.
 *
 * The real `@actions/artifact` client, which the orchestrator's tests and
 * benchmarks run in this process, logs through `@actions/core`: `::debug::`
 * and `::add-mask::` workflow commands and progress lines ("Uploaded bytes …"),
 * written with `process.stdout.write` whatever the runner's debug setting (on
 * a runner the runner hides the debug lines; here nothing does). A test or a
 * benchmark holds that output while it runs and shows it only when something
 * failed: test/support/setup-file.ts does so around every test, the
 * orchestrator benchmark around its runs (so that bench/RESULTS.md gets only
 * its tables).
 *
 * `console.*` inside vitest tests is vitest's own and is not affected.
 */

type Write = typeof process.stdout.write

/** Output held since `holdOutput()`; see its methods. */
export interface HeldOutput {
  /** Everything held so far, both streams interleaved in order. */
  text(): string
  /** Stop holding; write what was held to `to` (default: where it was going). */
  release(to?: NodeJS.WritableStream): void
  /** Stop holding and forget what was held. */
  drop(): void
}

/**
 * Start holding the writes to `streams` (default stdout and stderr): each
 * `write` call is kept (strings and buffers, decoded as UTF-8), reports
 * success to its caller and calls its callback, but reaches no file
 * descriptor until `release()`. Calls may nest; each restores the `write` it
 * replaced.
 */
export function holdOutput(
  streams: NodeJS.WriteStream[] = [process.stdout, process.stderr],
): HeldOutput {
  const chunks: { stream: NodeJS.WriteStream; text: string }[] = []
  const originals = streams.map((stream) => {
    const original = stream.write
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : undefined
      const text =
        typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(encoding ?? 'utf8')
      chunks.push({ stream, text })
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined
      if (callback) queueMicrotask(callback)
      return true
    }) as Write
    return { stream, original }
  })
  let holding = true
  const restore = () => {
    if (!holding) return
    holding = false
    for (const { stream, original } of originals) stream.write = original
  }
  return {
    text: () => chunks.map((c) => c.text).join(''),
    release(to) {
      restore()
      for (const c of chunks) (to ?? c.stream).write(c.text)
      chunks.length = 0
    },
    drop() {
      restore()
      chunks.length = 0
    },
  }
}
