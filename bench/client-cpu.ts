import { connect as netConnect } from 'node:net'
import { RespParser, encodeCommand, type RespValue } from '../src/keys/raw.js'
import { SampleChooser } from '../src/keys/sampling.js'
import { KeyTally, DEFAULT_TALLY } from '../src/keys/tally.js'
import { KeyHashSet } from '../src/keys/keyset.js'

async function record(port: number, count: number): Promise<Buffer[]> {
  const sock = netConnect({ host: '127.0.0.1', port })
  await new Promise((r) => sock.once('connect', r))
  const chunks: Buffer[] = []
  let cursor = '0'
  let first = true
  while (first || cursor !== '0') {
    first = false
    const got: Buffer[] = []
    const reply = await new Promise<RespValue>((resolve) => {
      const p = new RespParser((v) => resolve(v))
      const on = (c: Buffer) => { got.push(c); p.push(c) }
      sock.on('data', on)
      sock.write(encodeCommand(['SCAN', cursor, 'COUNT', String(count)]))
    }).finally(() => sock.removeAllListeners('data'))
    chunks.push(...got)
    cursor = (reply as RespValue[])[0] as string
  }
  sock.destroy()
  return chunks
}

async function main() {
  const port = Number(process.argv[2] ?? 7001)
  const chunks = await record(port, 5000)
  const rule = { delimiter: ':', depth: 1 }
  let best = Infinity
  for (let round = 0; round < 7; round++) {
    const tally = new KeyTally({ rule, ...DEFAULT_TALLY })
    const seen = new KeyHashSet(1 << 20)
    const chooser = new SampleChooser(0, rule, (d, p) => tally.sampleOf(d, p), (_d, k) => !seen.has(k))
    let n = 0
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    const parser = new RespParser((v) => {
      const keys = (v as RespValue[])[1] as string[]
      for (let j = 0; j < keys.length; j++) {
        const k = keys[j]
        if (typeof k !== 'string') throw new Error('x')
        const how = chooser.choose(k)
        tally.add(0, k, how === 0 ? -1 : 100, how, chooser.lastPrefix)
        seen.add(k)
        n++
      }
    })
    for (const c of chunks) parser.push(c)
    const c1 = process.cpuUsage(c0)
    best = Math.min(best, (c1.user + c1.system) / n)
    console.log(`round ${round}: ${n} keys, cpu ${((c1.user + c1.system) / n).toFixed(3)} µs/key, wall ${((performance.now() - t0) * 1000 / n).toFixed(3)} µs/key`)
  }
  console.log(`best ${best.toFixed(3)} µs/key`)
}
main()
