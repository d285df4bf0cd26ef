/**
 * What `tm mcp`'s tool definitions cost an agent: every MCP client puts the
 * `tools/list` result into the model's context on every turn. The bench
 * starts the built `tm mcp` on a fresh database, speaks JSON-RPC to it on
 * stdio as a client does (initialize, initialized, tools/list), takes the
 * `result` of the tools/list response exactly as the server wrote it, and
 * counts its tokens with gpt-tokenizer (a maintained, dependency-free port
 * of OpenAI's tiktoken): o200k_base (GPT-4o, GPT-5, o-series) and
 * cl100k_base (GPT-4). Anthropic publishes no tokenizer for current Claude
 * models (its @anthropic-ai/tokenizer, last released 2024, is documented as
 * inexact for them), so no Claude count is claimed here.
 *
 * Target: the whole result ≤ 2,000 tokens (o200k_base; claude-task-master's
 * MCP tools cost 45–50k). The server's `instructions` (sent once, in the
 * `initialize` result) are counted apart.
 */
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base'
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base'
import { tempDb } from './util.js'

const TM = resolve('build/tm.cjs')
const TARGET = 2000

/** Raw JSON-RPC responses by id, as `tm mcp` wrote them on stdout. */
async function exchange(db: string): Promise<Map<number, string>> {
  const child = spawn(process.execPath, [TM, 'mcp'], {
    env: { ...process.env, TM_DB: db, TM_AGENT: 'bench' },
    stdio: ['pipe', 'pipe', 'ignore'],
  })
  const responses = new Map<number, string>()
  let buffer = ''
  const done = new Promise<void>((resolveDone, reject) => {
    child.on('error', reject)
    child.on('exit', (code) =>
      responses.size === 2 ? resolveDone() : reject(new Error(`tm mcp exited with ${code}`)),
    )
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      let newline = buffer.indexOf('\n')
      while (newline >= 0) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + 1)
        const id = (JSON.parse(line) as { id?: number }).id
        if (typeof id === 'number') responses.set(id, line)
        if (responses.size === 2) child.stdin.end()
        newline = buffer.indexOf('\n')
      }
    })
  })
  const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`)
  send({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'bench', version: '1' },
    },
  })
  send({ jsonrpc: '2.0', method: 'notifications/initialized' })
  send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} })
  await done
  return responses
}

/** The text of `result` in a raw JSON-RPC response line, as sent (the server writes it with JSON.stringify). */
function resultText(line: string): string {
  return JSON.stringify((JSON.parse(line) as { result: unknown }).result)
}

const db = tempDb('tasks.db')
try {
  const init = spawn(process.execPath, [TM, 'init'], {
    env: { ...process.env, TM_DB: db },
    stdio: 'ignore',
  })
  await new Promise((done) => init.on('exit', done))
  const responses = await exchange(db)
  const list = resultText(responses.get(2)!)
  const tools = (JSON.parse(list) as { tools: { name: string }[] }).tools
  const instructions = (JSON.parse(responses.get(1)!) as { result: { instructions: string } })
    .result.instructions
  const total = o200k(list)
  const rows = tools.map((t) => {
    const text = JSON.stringify(t)
    return `| \`${t.name}\` | ${o200k(text)} | ${cl100k(text)} | ${text.length} |`
  })
  const ok = total <= TARGET ? '✅' : '❌'
  process.stdout.write(`## MCP tool definitions (\`tm mcp\`, tools/list as sent)

${tools.length} tools; the \`tools/list\` result as \`tm mcp\` wrote it on stdout, tokens counted with gpt-tokenizer (o200k_base: GPT-4o/GPT-5; cl100k_base: GPT-4). Target: ≤ ${TARGET.toLocaleString('en')} tokens (o200k_base).

| what | o200k_base tokens | cl100k_base tokens | characters | target |
|---|---:|---:|---:|---|
| **tools/list result (all tools)** | **${total}** | ${cl100k(list)} | ${list.length} | ≤ ${TARGET.toLocaleString('en')} ${ok} |
| \`instructions\` (initialize, once per session) | ${o200k(instructions)} | ${cl100k(instructions)} | ${instructions.length} | – |

| tool | o200k_base | cl100k_base | characters |
|---|---:|---:|---:|
${rows.join('\n')}
`)
} finally {
  rmSync(dirname(join(db)), { recursive: true, force: true })
}
