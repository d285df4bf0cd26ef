/**
 * The webhook endpoint's front door on the server: what reaches Probot has a
 * valid signature, is JSON, and has the fields the app's handlers read
 * (`src/github/webhook-payloads.ts`); and what goes back never carries an
 * internal message. Without it, a signed delivery with a missing field made
 * a handler throw a `TypeError`, answered with HTTP 500 and that message
 * (`@octokit/webhooks` echoes `name: message` of the first handler error),
 * and a `null` body failed inside Probot before any handler.
 *
 * It wraps the Node middleware of `@octokit/webhooks` that Probot serves
 * (`probot.getNodeMiddleware()`): the body is read once (at most
 * {@link MAX_PAYLOAD_BYTES}) and handed on as `request.body`, which that
 * middleware reads instead of the stream; the signature is checked with
 * Probot's own `webhooks.verify` (HMAC-SHA256, constant-time).
 *
 * Answers (JSON `{"error": …}`):
 * - 400 — signed, but not JSON, or malformed: one sentence naming the fields;
 * - 400 before the body is read — a header GitHub always sends is missing
 *   (`X-Hub-Signature-256`, `X-GitHub-Event`, `X-GitHub-Delivery`);
 * - 413 — larger than GitHub ever sends (by `Content-Length` before reading,
 *   or while reading);
 * - 503 — more than {@link MAX_CONCURRENT_READS} bodies being read at once;
 * - 500 — a handler failed: a fixed sentence with the delivery id; the error
 *   itself goes to the log only;
 * - anything else (no or wrong signature, missing headers, 200, 202) as the
 *   middleware answers it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { payloadProblem } from '../github/webhook-payloads.js'

/** GitHub caps webhook payloads at 25 MB ("Webhook events and payloads"). */
export const MAX_PAYLOAD_BYTES = 25 * 1024 * 1024

/**
 * Bodies read at once, at most. Each may hold up to {@link MAX_PAYLOAD_BYTES}
 * before its signature can be checked, so anyone who can reach the server
 * could otherwise hold 25 MB per open connection; over this, 503 with
 * `Retry-After` (GitHub redelivers on request, and most payloads are a few KB).
 */
export const MAX_CONCURRENT_READS = 16

/** The headers GitHub sends with every delivery, without which nothing is read. */
const REQUIRED_HEADERS = ['x-hub-signature-256', 'x-github-event', 'x-github-delivery'] as const

/** A Node middleware as Probot serves them: true when it answered the request. */
export type NodeMiddleware = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: () => void,
) => Promise<boolean | undefined> | boolean | undefined

/** The little of a logger the guard needs (Probot's pino logger fits). */
export interface GuardLog {
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

export interface WebhookGuardOptions {
  /** The webhook path, e.g. `/api/github/webhooks`. */
  path: string
  /** True when `signature` (`sha256=…`) signs `payload` with the webhook secret. */
  verify: (payload: string, signature: string) => Promise<boolean>
  log: GuardLog
}

/** `inner` behind the checks described in the module comment. */
export function guardWebhooks(inner: NodeMiddleware, options: WebhookGuardOptions): NodeMiddleware {
  let reading = 0
  return async (request, response, next) => {
    if (request.method !== 'POST' || pathOf(request) !== options.path) {
      return inner(request, response, next)
    }
    const delivery = header(request, 'x-github-delivery') ?? '(no delivery id)'
    // Refused before the body is read: nothing unsigned costs memory or hashing.
    const missing = REQUIRED_HEADERS.filter((name) => !header(request, name))
    if (missing.length) {
      request.resume()
      return answer(response, 400, `required headers missing: ${missing.join(', ')}`)
    }
    const declared = Number(header(request, 'content-length') ?? Number.NaN)
    if (declared > MAX_PAYLOAD_BYTES) {
      request.resume()
      options.log.warn({ delivery }, 'refused a webhook larger than 25 MB')
      return answer(response, 413, 'the payload is larger than GitHub sends (25 MB)')
    }
    if (reading >= MAX_CONCURRENT_READS) {
      request.resume()
      options.log.warn({ delivery }, 'refused a webhook: too many bodies being read at once')
      response.setHeader('retry-after', '5')
      return answer(response, 503, 'too many deliveries at once; retry later')
    }
    reading++
    let body: string | null
    try {
      body = await readBody(request, MAX_PAYLOAD_BYTES)
    } catch {
      // The sender went away while its body was read: nobody to answer.
      return true
    } finally {
      reading--
    }
    if (body === null) {
      options.log.warn({ delivery }, 'refused a webhook larger than 25 MB')
      return answer(response, 413, 'the payload is larger than GitHub sends (25 MB)')
    }
    ;(request as IncomingMessage & { body?: string }).body = body
    const signature = header(request, 'x-hub-signature-256')
    const event = header(request, 'x-github-event')
    // Unsigned or wrongly signed: the middleware refuses it, as before.
    const signed =
      signature !== undefined &&
      event !== undefined &&
      (await safely(options.verify(body, signature)))
    if (signed) {
      let payload: unknown
      try {
        payload = JSON.parse(body)
      } catch {
        options.log.warn({ delivery, event }, 'refused a signed webhook that is not JSON')
        return answer(response, 400, 'the payload is not JSON')
      }
      const problem = payloadProblem(event, payload)
      if (problem) {
        options.log.warn({ delivery, event, problem }, `refused a signed webhook: ${problem}`)
        return answer(response, 400, problem)
      }
    }
    const sink = sanitizing(response, signed, delivery, options.log)
    try {
      return await inner(request, sink, next)
    } catch (err) {
      options.log.error({ err, delivery }, 'the webhook middleware failed')
      return answer(response, 500, failed(delivery))
    }
  }
}

function failed(delivery: string): string {
  return `the app could not handle delivery ${delivery}; the reason is in the app's log`
}

function pathOf(request: IncomingMessage): string {
  try {
    return new URL(request.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '')
  } catch {
    return ''
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

async function safely(check: Promise<boolean>): Promise<boolean> {
  try {
    return await check
  } catch {
    return false
  }
}

/** The body as UTF-8 text, or null (and the rest discarded) when it exceeds `max` bytes. */
function readBody(request: IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > max) tooLarge = true
      if (!tooLarge) chunks.push(chunk)
    })
    request.on('end', () =>
      resolve(tooLarge ? null : new TextDecoder().decode(Buffer.concat(chunks))),
    )
    request.on('error', reject)
  })
}

/** Answer once with a JSON error; a second answer (a late timeout, say) is dropped. */
function answer(response: ServerResponse, status: number, error: string): boolean {
  if (response.headersSent || response.writableEnded) return true
  const body = JSON.stringify({ error })
  response
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body).toString(),
    })
    .end(body)
  return true
}

/**
 * The response as the `@octokit/webhooks` middleware writes it
 * (`writeHead(status, headers).end(body)`), with every error answer to a
 * signed delivery replaced by a fixed sentence, and any answer after the
 * first dropped (its 10-second "still processing" timer may fire after an
 * error answer, which would otherwise throw `ERR_HTTP_HEADERS_SENT`).
 */
function sanitizing(
  response: ServerResponse,
  signed: boolean,
  delivery: string,
  log: GuardLog,
): ServerResponse {
  const sink = {
    writeHead(status: number, headers: Record<string, string>) {
      return {
        end(body: string) {
          if (response.headersSent || response.writableEnded) return
          if (signed && status >= 400) {
            log.error({ delivery, status, body }, 'a handler failed on a webhook')
            answer(response, 500, failed(delivery))
            return
          }
          response.writeHead(status, headers).end(body)
        },
      }
    },
  }
  return sink as unknown as ServerResponse
}
