/**
 * Two jobs on one Redis: another job's client, connected before the step began, writes during it.
 * The report names that client, and key-scope keeps the other job's new keys out of this job's
 * leaks (reported as outside the scope). Real servers, through the bundled action and CLI.
 */
import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Socket } from 'node:net'
import { runJob } from './helpers/action-runner.js'
import { runCli, writeKeys } from './helpers/cli-runner.js'
import { redisPerFile } from './helpers/redis-server.js'
import { redisCommands } from './helpers/resp.js'
import { parseClientList, otherActiveClients } from '../src/observe/clients.js'

const redis = redisPerFile()

/** Another job's long-lived connection: sends inline commands and waits for one reply line each. */
async function otherJob(port: number): Promise<{ send(line: string): Promise<string>; close(): void }> {
  const sock = new Socket()
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.connect(port, '127.0.0.1', () => resolve())
  })
  let buffered = ''
  const waiting: ((line: string) => void)[] = []
  sock.on('data', (d: Buffer) => {
    buffered += d.toString()
    let nl
    while ((nl = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 2)
      waiting.shift()?.(line)
    }
  })
  return {
    send: (line) =>
      new Promise((resolve) => {
        waiting.push(resolve)
        sock.write(`${line}\r\n`)
      }),
    close: () => sock.destroy()
  }
}

describe('CLIENT LIST, read', () => {
  it('keeps clients present at both ends that ran a command during the step, not the guard nor idle ones', () => {
    const begin = { ownId: 7, clients: parseClientList('id=3 addr=10.0.0.2:5000 name=worker age=90 idle=0 cmd=set user=default\nid=7 addr=a:1 name= age=0 idle=0 cmd=client|list user=default\n') }
    const end = {
      ownId: 9,
      clients: parseClientList(
        'id=3 addr=10.0.0.2:5000 name=worker age=120 idle=1 cmd=set user=default\nid=4 addr=b:2 name= age=200 idle=200 cmd=get user=default\nid=9 addr=a:3 name= age=0 idle=0 cmd=client|list user=default'
      )
    }
    expect(otherActiveClients(begin, end, 30).map((c) => `${c.id} ${c.name} ${c.cmd}`)).toEqual(['3 worker set'])
    // Idle longer than the step lasted: its last command came before the step.
    const quiet = { ...end, clients: end.clients.map((c) => (c.id === 3 ? { ...c, idleSeconds: 2 } : c)) }
    expect(otherActiveClients(begin, quiet, 1)).toEqual([])
    // Redis's idle seconds are truncated: 1 s idle at the end of a 1 s step still counts.
    expect(otherActiveClients(begin, end, 1).map((c) => c.id)).toEqual([3])
  })
})

describe('two jobs on one Redis', () => {
  it('names the other client and, with key-scope, counts only this job\'s keys as leaks', async () => {
    const r = await redis()
    const other = await otherJob(r.port)
    try {
      expect(await other.send('CLIENT SETNAME other-job')).toBe('+OK')
      const inputs = { 'redis-url': r.url, 'key-scope': 'job-1:*', 'max-leaked-keys': '0', 'fail-on': 'leaked-keys' }
      const { post } = await runJob(inputs, async () => {
        await redisCommands(r.port, [['SET', 'job-1:a', 'x'], ['SET', 'job-1:b', 'x'], ['SET', 'job-1:c', 'x']])
        expect(await other.send('SET other:1 x')).toBe('+OK')
        expect(await other.send('SET other:2 x')).toBe('+OK')
      })
      const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8'))
      expect(report.leakedKeys).toBe(3)
      expect(report.keys.scope).toEqual({ patterns: ['job-1:*'], outsideNewKeys: 2 })
      expect(report.otherClients.map((c: { name: string; cmd: string }) => `${c.name} ${c.cmd}`)).toEqual(['other-job set'])
      expect(report.verdict).toBe('fail')
      expect(post.summary).toContain('Outside the scope')
      expect(post.summary).toContain('connected before the step began ran commands during it')
    } finally {
      other.close()
    }
  }, 60_000)

  it('the CLI takes --key-scope the same way, and names the active client', async () => {
    const r = await redis()
    const other = await otherJob(r.port)
    try {
      // The command marks its start, so the other job writes during the step, not before it.
      const started = join(r.dir, 'started')
      const cli = runCli(['run', '--url', r.url, '--json', '--key-scope', 'job-2:*', '--', 'bash', '-c', `touch ${started}; sleep 1.5; ${writeKeys('2', 'job-2').join(' ')}`], { REDIS_URL: r.url })
      for (let i = 0; i < 100 && !existsSync(started); i++) await new Promise((res) => setTimeout(res, 100))
      expect(existsSync(started)).toBe(true)
      expect(await other.send('SET other:1 x')).toBe('+OK')
      const report = JSON.parse((await cli).stdout)
      expect(report.leakedKeys).toBe(2)
      expect(report.keys.scope).toEqual({ patterns: ['job-2:*'], outsideNewKeys: 1 })
      expect(report.otherClients).toHaveLength(1)
      // A bad glob gets one line naming the flag.
      const bad = await runCli(['run', '--url', r.url, '--key-scope', 'job-[', '--', 'true'])
      expect(bad.code).not.toBe(0)
      expect(bad.stderr.trim().split('\n')).toHaveLength(1)
      expect(bad.stderr).toContain('--key-scope')
    } finally {
      other.close()
    }
  }, 60_000)

  it('with key-scope but no key inventory, leaked keys are unknown, not a count of every job\'s keys', async () => {
    const r = await redis()
    const res = await runCli(['run', '--url', r.url, '--json', '--key-scope', 'job-3:*', '--key-scan-budget', '0', '--max-leaked-keys', '0', '--', ...writeKeys('2', 'other')], {
      REDIS_URL: r.url
    })
    const report = JSON.parse(res.stdout)
    const leaked = report.checks.find((c: { check: string }) => c.check === 'leaked-keys')
    expect(leaked.status).toBe('unknown')
    expect(leaked.reason).toContain('key-scope (job-3:*) needs the key names')
    expect(report.leakedKeys).toBeNull()
    expect(report.verdict).toBe('warn')
  }, 60_000)
})
