/**
 * A Redis user that may not run a command the guard needs (ACL, NOPERM): the checks that need it
 * are unknown with the right to grant, never a pass, and the verdict is at least a warning. Real
 * servers with real ACL users; the tests' own writes go through the default user.
 */
import { describe, expect, it } from '@jest/globals'
import { deniedCommand, denialOf, denialsOf } from '../src/observe/permissions.js'
import { applyDenials } from '../src/judge/denials.js'
import type { CheckResult } from '../src/judge/checks.js'
import { runCli, writeKeys } from './helpers/cli-runner.js'
import { redisPerFile, type TestRedis } from './helpers/redis-server.js'
import { redisCommand } from './helpers/resp.js'

const redis = redisPerFile()

/** A server with one ACL user `guard` (password `pw`) that has every right except `minus`. */
async function serverWithUser(...minus: string[]): Promise<{ r: TestRedis; url: string }> {
  const r = await redis()
  const reply = await redisCommand(r.port, 'ACL', 'SETUSER', 'guard', 'on', '>pw', '~*', '&*', '+@all', ...minus.map((m) => `-${m}`))
  expect(reply).toBe('OK')
  return { r, url: `redis://guard:pw@127.0.0.1:${r.port}` }
}

interface JsonReport {
  verdict: string
  leakedKeys: number | null
  checks: { check: string; status: string; reason?: string; message: string }[]
  notes: string[]
  permissions?: { denied: { command: string; grant: string }[] }
}

function check(report: JsonReport, name: string): JsonReport['checks'][number] {
  const c = report.checks.find((x) => x.check === name)
  if (!c) throw new Error(`no ${name} check in ${JSON.stringify(report.checks)}`)
  return c
}

describe('reading NOPERM replies', () => {
  it('names the refused command, subcommands included, and nothing for other errors', () => {
    expect(deniedCommand(new Error("NOPERM this user has no permissions to run the 'info' command"))).toBe('info')
    expect(deniedCommand(new Error("NOPERM User guard has no permissions to run the 'config|get' command"))).toBe('config|get')
    expect(deniedCommand(new Error('ERR unknown command'))).toBeNull()
    expect(denialOf('memory|doctor').grant).toBe('+memory')
    expect(denialsOf(['info', 'info', null, 'scan']).map((d) => d.command)).toEqual(['info', 'scan'])
  })

  it('turns a pass that needed INFO into unknown with the right to grant, and keeps a breach', () => {
    const checks: CheckResult[] = [
      { check: 'used-memory', status: 'pass', measured: 1, limit: 10, unit: 'bytes', message: 'ok' },
      { check: 'oom', status: 'fail', measured: 3, limit: 0, unit: 'count', message: 'refused' },
      { check: 'leaked-keys', status: 'pass', measured: 0, limit: 0, unit: 'count', message: 'No keys were left behind.' }
    ]
    const out = applyDenials(checks, denialsOf(['info']), false)
    expect(out.map((c) => c.status)).toEqual(['unknown', 'fail', 'unknown'])
    expect(out[0].reason).toBe('the user may not run INFO: grant +info')
    expect(out[2].measured).toBeNull()
    // Leaked keys counted by name do not need INFO keyspace.
    expect(applyDenials(checks, denialsOf(['info']), true)[2].status).toBe('pass')
  })
})

describe('a Redis user without some rights', () => {
  it('without +info: two keys left behind are unknown, not "no keys were left behind", and the step is no pass', async () => {
    const { r, url } = await serverWithUser('info')
    const res = await runCli(['run', '--url', url, '--json', '--max-leaked-keys', '0', '--', ...writeKeys('2', 'left')], {
      REDIS_URL: r.url
    })
    const report = JSON.parse(res.stdout) as JsonReport
    expect(report.verdict).not.toBe('pass')
    expect(report.checks.filter((c) => c.status === 'pass')).toEqual([])
    const leaked = check(report, 'leaked-keys')
    expect(leaked.status).toBe('unknown')
    expect(leaked.reason).toBe('the user may not run INFO: grant +info')
    expect(report.leakedKeys).toBeNull()
    for (const name of ['oom', 'used-memory', 'peak-memory', 'memory-percent', 'fragmentation', 'evictions']) {
      expect(check(report, name).reason).toBe('the user may not run INFO: grant +info')
    }
    expect(report.permissions?.denied.map((d) => d.command)).toContain('info')
    expect(report.notes.some((n) => n.includes('may not run INFO'))).toBe(true)
    // The terminal shows no "0 keys" for a keyspace it was not allowed to read.
    const terminal = await runCli(['run', '--url', url, '--max-leaked-keys', '0', '--', ...writeKeys('1', 'more')], { REDIS_URL: r.url })
    expect(terminal.stdout).toMatch(/Keys \(all DBs\)\s+n\/a\s+n\/a/)
    expect(terminal.stdout).toContain('the user may not run INFO: grant +info')
    // The keys are really there: the writer's default user put them in.
    expect(await redisCommand(r.port, 'DBSIZE')).toBe(3)
  }, 60_000)

  it('without +scan: leaked keys are still counted per DB from INFO, and the refusal is named', async () => {
    const { r, url } = await serverWithUser('scan')
    const res = await runCli(['run', '--url', url, '--json', '--max-leaked-keys', '0', '--', ...writeKeys('2', 'left')], {
      REDIS_URL: r.url
    })
    const report = JSON.parse(res.stdout) as JsonReport
    expect(report.verdict).not.toBe('pass')
    expect(report.leakedKeys).toBe(2)
    expect(check(report, 'leaked-keys').status).toBe('warn')
    expect(report.permissions?.denied).toEqual([expect.objectContaining({ command: 'scan', grant: '+scan' })])
  }, 60_000)

  it('without +memory: the figures are judged, and the verdict is at least a warning naming MEMORY', async () => {
    const { r, url } = await serverWithUser('memory')
    const res = await runCli(['run', '--url', url, '--json', '--', process.execPath, '-e', '0'], { REDIS_URL: r.url })
    const report = JSON.parse(res.stdout) as JsonReport
    expect(report.verdict).toBe('warn')
    expect(check(report, 'used-memory').status).not.toBe('unknown')
    expect(report.permissions?.denied.map((d) => d.grant)).toContain('+memory')
  }, 60_000)
})
