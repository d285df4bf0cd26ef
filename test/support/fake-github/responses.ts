/**
 * Answers of the fake GitHub as a transport sends them: JSON (GitHub's
 * content type), raw bodies (a file's text, a blob), and request bodies
 * read back for the log.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import type { RawResponse } from './fake-github.js'
import type { Reply } from './route-kit.js'

/** `data` as JSON with `status` and `headers`; `undefined` sends no body. */
export const json = (
  status: number,
  data: unknown,
  headers: Record<string, string> = {},
): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: data === undefined ? '' : JSON.stringify(data),
})

/** A reply whose `raw` body is sent as it is, with its content type. */
export function rawResponse(reply: Reply): RawResponse {
  const type = reply.raw?.contentType
  return {
    status: reply.status,
    headers: { ...(type ? { 'content-type': type } : {}), ...reply.headers },
    body: reply.raw?.body ?? '',
  }
}

/** A request body for the log: parsed JSON, the text when it is not JSON, or undefined for none. */
export function parseBody(body: Buffer | string | undefined): unknown {
  const text = body === undefined ? '' : body.toString()
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
