/**
 * The gate's HTTP transport (a `fetch` over node:http/https for Octokit):
 * bodies, headers, redirects as `fetch` follows them, timeouts, aborts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Octokit } from '@octokit/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createFetch } from '../../src/action/gate/http.js'

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void
const servers: { close(): void }[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.close()
})

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (c: string) => {
      body += c
    })
    req.on('end', () => handler(req, body, res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push({ close: () => server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const fetch = createFetch(2_000)

describe('createFetch', () => {
  it('sends method, headers and body; reads status, headers and body', async () => {
    const url = await serve((req, body, res) => {
      res.writeHead(201, {
        'content-type': 'application/json',
        'x-seen': `${req.method} ${req.headers['x-token']} ${req.headers['content-length']}`,
      })
      res.end(JSON.stringify({ echo: JSON.parse(body) }))
    })
    const res = await fetch(`${url}/things`, {
      method: 'POST',
      headers: { 'x-token': 'abc', 'content-type': 'application/json' },
      body: '{"a":"é"}',
    })
    expect(res.status).toBe(201)
    expect(res.ok).toBe(true)
    expect(res.headers.get('X-Seen')).toBe('POST abc 10')
    expect([...res.headers].find(([k]) => k === 'content-type')).toEqual([
      'content-type',
      'application/json',
    ])
    expect(await res.json()).toEqual({ echo: { a: 'é' } })
    expect(await res.text()).toBe('{"echo":{"a":"é"}}')
    expect(new TextDecoder().decode(await res.arrayBuffer())).toBe('{"echo":{"a":"é"}}')
  })

  it('follows redirects like fetch: 301 keeps GET, 307 keeps method and body, 303 turns into GET', async () => {
    const seen: string[] = []
    const url = await serve((req, body, res) => {
      seen.push(`${req.method} ${req.url} ${body}`)
      const to = { '/a': [301, '/b'], '/p': [307, '/q'], '/s': [303, '/t'] }[req.url ?? ''] as
        | [number, string]
        | undefined
      if (to) {
        res.writeHead(to[0], { location: to[1] })
        res.end()
      } else res.end('ok')
    })
    const a = await fetch(`${url}/a`)
    expect([a.status, a.url, a.redirected]).toEqual([200, `${url}/b`, true])
    await fetch(`${url}/p`, { method: 'PATCH', body: 'x' })
    await fetch(`${url}/s`, { method: 'POST', body: 'y' })
    expect(seen).toEqual(['GET /a ', 'GET /b ', 'PATCH /p x', 'PATCH /q x', 'POST /s y', 'GET /t '])
  })

  it('drops the authorization header when a redirect leaves the origin', async () => {
    const auth: (string | undefined)[] = []
    const other = await serve((req, _b, res) => {
      auth.push(req.headers.authorization)
      res.end('there')
    })
    const first = await serve((req, _b, res) => {
      auth.push(req.headers.authorization)
      res.writeHead(302, { location: `${other}/x` })
      res.end()
    })
    const res = await fetch(first, { headers: { authorization: 'token t' } })
    expect(await res.text()).toBe('there')
    expect(auth).toEqual(['token t', undefined])
  })

  it('gives up after 5 redirects', async () => {
    const url = await serve((_req, _b, res) => {
      res.writeHead(302, { location: '/again' })
      res.end()
    })
    await expect(fetch(url)).rejects.toThrow('too many redirects')
  })

  it('fails a request that takes longer than the timeout, and honours an abort signal', async () => {
    const url = await serve(() => {
      // never answers
    })
    await expect(createFetch(100)(url)).rejects.toThrow(`GET ${url}/ timed out`)
    const controller = new AbortController()
    const pending = fetch(url, { signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(pending).rejects.toThrow('stop')
  })

  it('rejects with the network error when nothing listens', async () => {
    const url = await serve((_q, _b, res) => res.end())
    for (const s of servers.splice(0)) s.close()
    await expect(fetch(url)).rejects.toThrow(/ECONNREFUSED/)
  })

  it('is a fetch Octokit accepts: JSON bodies, RequestError with the status and message', async () => {
    const url = await serve((req, body, res) => {
      res.writeHead(req.url === '/repos/o/r/issues/1' ? 200 : 404, {
        'content-type': 'application/json; charset=utf-8',
      })
      res.end(
        req.url === '/repos/o/r/issues/1'
          ? JSON.stringify({ number: 1, body })
          : '{"message":"Not Found"}',
      )
    })
    const octokit = new Octokit({ auth: 't', baseUrl: url, request: { fetch } })
    const ok = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
      owner: 'o',
      repo: 'r',
      issue_number: 1,
    })
    expect(ok.data).toMatchObject({ number: 1 })
    await expect(
      octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
        owner: 'o',
        repo: 'r',
        issue_number: 2,
      }),
    ).rejects.toMatchObject({ status: 404, message: 'Not Found' })
  })
})
