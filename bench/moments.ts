/**
 * The cost of a moment snapshot, for bench/moments.sh: a "step" writes keys until Redis refuses
 * (OOM) and on, once alone and once with a moment snapshot taken when the first OOM comes, as the
 * sampler would. Prints one JSON line: the step's median time each way over alternating rounds, the snapshot's own time, the
 * commands it sent and the time Redis spent on them (commandstats usec), and the shares of the step.
 * Usage: moments URL KEYS-PER-BATCH BATCHES
 */
import { connect, type RedisConnection } from '../src/redis/connection.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { parseCommandstats, parseInfo, numberField } from '../src/observe/info.js'
import { takeMomentSnapshot } from '../src/explain/moment-snapshot.js'
import type { MomentSnapshot } from '../src/explain/moments.js'

/** Writes `batches` pipelined batches of SETs; calls `onFirstOom` once when a reply is OOM. */
async function step(conn: RedisConnection, perBatch: number, batches: number, onFirstOom: () => void): Promise<{ ms: number; oom: number }> {
  const started = Date.now()
  let oom = 0
  const value = 'v'.repeat(200)
  for (let b = 0; b < batches; b++) {
    const replies = await Promise.all(
      Array.from({ length: perBatch }, (_, i) => conn.raw.sendCommand(['SET', `app:import-${b}:row:${i}`, value]).catch((err: Error) => err))
    )
    const refused = replies.filter((r) => r instanceof Error && /OOM/.test(r.message)).length
    if (refused > 0 && oom === 0) onFirstOom()
    oom += refused
  }
  return { ms: Date.now() - started, oom }
}

const ROUNDS = 3

async function main(): Promise<void> {
  const [url, perBatchArg, batchesArg] = process.argv.slice(2)
  const perBatch = Number(perBatchArg)
  const batches = Number(batchesArg)
  const target = parseRedisUrl(url, 'url')
  const conn = await connect(target, { timeoutMs: 5000 })
  const probe = await connect(target, { timeoutMs: 5000 })

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  // Alternating runs, medians: the machine's load moves more than a snapshot costs.
  const aloneMs: number[] = []
  const withMs: number[] = []
  let m: MomentSnapshot | null = null
  let snapUsec = 0
  let snapCalls = 0
  let oom = 0
  for (let round = 0; round < ROUNDS; round++) {
    await conn.command(['FLUSHALL'])
    aloneMs.push((await step(conn, perBatch, batches, () => {})).ms)

    await conn.command(['FLUSHALL'])
    await conn.command(['CONFIG', 'RESETSTAT'])
    // Set from the step's callback, so held in an object TypeScript does not narrow to null.
    const taken: { moment: Promise<MomentSnapshot> | null } = { moment: null }
    const withMoment = await step(conn, perBatch, batches, () => {
      taken.moment = (async () => {
        const used = numberField(parseInfo(await probe.info('memory')).memory, 'used_memory')
        return takeMomentSnapshot(probe, { reasons: ['first-oom'], at: new Date().toISOString(), usedMemory: used, maxmemory: null, rule: { delimiter: ':', depth: 2 } })
      })()
    })
    withMs.push(withMoment.ms)
    oom = withMoment.oom
    m = taken.moment ? await taken.moment : null
    // The step's own commands ran meanwhile: the snapshot's are those that are not SET.
    const stats = parseCommandstats(parseInfo(await probe.info('commandstats')).commandstats ?? {})
    snapUsec = 0
    snapCalls = 0
    for (const [name, s] of Object.entries(stats)) {
      if (name === 'set' || name === 'info' || name === 'flushall' || name === 'config|resetstat') continue
      snapUsec += s.usec
      snapCalls += s.calls
    }
  }
  const withMoment = { ms: median(withMs), oom }
  const alone = { ms: median(aloneMs) }
  console.log(
    JSON.stringify({
      rounds: ROUNDS,
      stepAloneMs: alone.ms,
      stepWithMomentMs: withMoment.ms,
      oomErrors: withMoment.oom,
      momentMs: m?.tookMs ?? null,
      momentScannedKeys: m?.scan.scannedKeys ?? null,
      momentTotalKeys: m?.scan.totalKeys ?? null,
      momentComplete: m?.scan.complete ?? null,
      momentTop: m?.topPrefixes[0]?.prefix ?? null,
      redisCommands: snapCalls,
      redisBusyMs: Math.round(snapUsec / 100) / 10,
      redisBusyShareOfStep: Math.round((snapUsec / 1000 / withMoment.ms) * 10000) / 100,
      stepSlowdownShare: Math.round(((withMoment.ms - alone.ms) / alone.ms) * 10000) / 100
    })
  )
  await probe.close()
  await conn.close()
}

await main()
