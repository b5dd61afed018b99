#!/usr/bin/env node
// What it costs Redis to learn something about every key, the price of exact largest keys in
// sampled mode: Redis CPU (INFO cpu) per key for one full walk of a fresh redis-server holding the
// mixed keyspace of bench/speed.sh, with SCAN COUNT 5000 alone, with the six `SCAN c COUNT n TYPE t`
// in step (each key with its type), and with one pipelined command per key (OBJECT ENCODING as a
// size probe, MEMORY USAGE) or one Lua call per batch doing MEMORY USAGE per key on the server.
//
//   node bench/probe-cost.mjs [keys]   (default 300000)
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.mjs'

const KEYS = Number(process.argv[2] ?? 300_000)
const TYPES = ['string', 'hash', 'list', 'set', 'zset', 'stream']
// The keyspace bench/speed.sh loads, one EVAL per slice of keys.
const LOAD = readFileSync(new URL('./mixed-keyspace.lua', import.meta.url), 'utf8')
const LUA_MEMORY = `local out = {}
for i = 1, #KEYS do local b = redis.call('MEMORY', 'USAGE', KEYS[i]) if b and b > 1048576 then out[#out + 1] = KEYS[i] end end
return out`

/** A minimal RESP client: replies in order, bulk strings as latin1 strings. */
async function client(port) {
  const sock = connect(port, '127.0.0.1')
  await new Promise((resolve, reject) => {
    sock.once('connect', resolve)
    sock.once('error', reject)
  })
  let buf = Buffer.alloc(0)
  const waiting = []
  const parse = (p) => {
    const nl = buf.indexOf('\r\n', p)
    if (nl < 0) return null
    const line = buf.toString('latin1', p + 1, nl)
    switch (buf[p]) {
      case 58:
        return [Number(line), nl + 2]
      case 43:
        return [line, nl + 2]
      case 45:
        return [new Error(line), nl + 2]
      case 36: {
        const n = Number(line)
        if (n < 0) return [null, nl + 2]
        return nl + 4 + n > buf.length ? null : [buf.toString('latin1', nl + 2, nl + 2 + n), nl + 4 + n]
      }
      case 42: {
        const out = []
        let at = nl + 2
        for (let i = 0; i < Number(line); i++) {
          const r = parse(at)
          if (!r) return null
          out.push(r[0])
          at = r[1]
        }
        return [out, at]
      }
      default:
        throw new Error('unexpected reply')
    }
  }
  sock.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d
    let at = 0
    for (let r; at < buf.length && (r = parse(at)); at = r[1]) waiting.shift()(r[0])
    buf = buf.subarray(at)
  })
  const encode = (args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`
  return {
    send: (cmds) => {
      const replies = cmds.map(() => new Promise((resolve) => waiting.push(resolve)))
      sock.write(Buffer.from(cmds.map(encode).join(''), 'latin1'))
      return Promise.all(replies)
    },
    close: () => sock.destroy()
  }
}

const port = await freePort()
const dir = mkdtempSync(join(tmpdir(), 'probe-cost-'))
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
try {
  const cli = (...args) => execFileSync('redis-cli', ['-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
  for (let i = 0; i < 100; i++) {
    try {
      if (cli('ping').startsWith('PONG')) break
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  const shares = [0.3, 0.2, 0.15, 0.15, 0.1, 0.1]
  const prefixes = ['session', 'user', 'queue', 'tags', 'rank', 'events']
  TYPES.forEach((t, i) => {
    const n = Math.round(KEYS * shares[i])
    for (let from = 1; from <= n; from += 50_000) cli('eval', LOAD, '0', t, prefixes[i], String(from), String(Math.min(n, from + 49_999)))
  })
  const c = await client(port)
  const [sha] = await c.send([['SCRIPT', 'LOAD', LUA_MEMORY]])
  const cpu = async () => {
    const [info] = await c.send([['INFO', 'cpu']])
    return [...info.matchAll(/used_cpu_(?:sys|user):([\d.]+)/g)].reduce((s, m) => s + Number(m[1]), 0)
  }
  const modes = {
    scan: async (cursor) => (await c.send([['SCAN', cursor, 'COUNT', '5000']]))[0],
    'six typed SCANs in step': async (cursor) => {
      const replies = await c.send(TYPES.map((t) => ['SCAN', cursor, 'COUNT', '5000', 'TYPE', t]))
      if (replies.some((r) => r[0] !== replies[0][0])) throw new Error('typed SCANs gave different cursors')
      return [replies[0][0], replies.flatMap((r) => r[1])]
    },
    'scan + OBJECT ENCODING per key': async (cursor) => {
      const [r] = await c.send([['SCAN', cursor, 'COUNT', '5000']])
      await c.send(r[1].map((k) => ['OBJECT', 'ENCODING', k]))
      return r
    },
    'scan + MEMORY USAGE per key': async (cursor) => {
      const [r] = await c.send([['SCAN', cursor, 'COUNT', '5000']])
      await c.send(r[1].map((k) => ['MEMORY', 'USAGE', k]))
      return r
    },
    'scan + Lua MEMORY USAGE per batch': async (cursor) => {
      const [r] = await c.send([['SCAN', cursor, 'COUNT', '5000']])
      if (r[1].length > 0) await c.send([['EVALSHA', sha, String(r[1].length), ...r[1]]])
      return r
    }
  }
  console.log(`redis-server ${cli('info', 'server').match(/redis_version:(\S+)/)?.[1]}, ${cli('dbsize').trim()} keys, load ${loadavg()[0].toFixed(2)}`)
  for (const [name, step] of Object.entries(modes)) {
    const c0 = await cpu()
    let cursor = '0'
    let seen = 0
    // Bounded: a full walk visits each bucket once; more rounds than keys means something is wrong.
    for (let round = 0; round <= KEYS; round++) {
      const [next, keys] = await step(cursor)
      seen += keys.length
      cursor = next
      if (cursor === '0') break
    }
    const used = (await cpu()) - c0
    console.log(`  ${name.padEnd(36)} ${seen} keys  Redis CPU ${used.toFixed(2)} s  ${((used / seen) * 1e6).toFixed(2)} µs/key  (load ${loadavg()[0].toFixed(2)})`)
  }
  c.close()
} finally {
  redis.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
