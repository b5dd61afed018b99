/**
 * The toolkit's local runner (`npx local-action run . src/action/main.ts .env --post src/action/post.ts`)
 * runs main and post from source in one process and stands in for @actions/core: main's outputs and
 * state must reach post through it, as they do through the runner's files.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeKeys } from './helpers/cli-runner.js'
import { redisPerFile } from './helpers/redis-server.js'
import { redisCommand } from './helpers/resp.js'

const redis = redisPerFile()
const folders: string[] = []
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true })
})

interface LocalRun {
  code: number | null
  out: string
  summary: string
  runnerTemp: string
  /** The report-path file's JSON. */
  report: { before: unknown; after: unknown; leakedKeys: number; command?: { exitCode: number } }
}

/** The README's recipe with `inputs` in the .env file, as a developer runs it. */
async function localAction(inputs: Record<string, string>): Promise<LocalRun> {
  const dir = mkdtempSync(join(tmpdir(), 'rmg-local-action-'))
  folders.push(dir)
  const runnerTemp = join(dir, 'runner-temp')
  const summaryFile = join(dir, 'summary.md')
  const reportPath = join(dir, 'report.json')
  const env = { INPUT_MATRIX: 'null', 'INPUT_GITHUB-TOKEN': '', 'INPUT_REPORT-PATH': reportPath, RUNNER_TEMP: runnerTemp, GITHUB_STEP_SUMMARY: summaryFile, ...inputs }
  writeFileSync(join(dir, '.env'), Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n') + '\n')
  writeFileSync(summaryFile, '')
  mkdirSync(runnerTemp)
  const child = spawn('npx', ['local-action', 'run', '.', 'src/action/main.ts', join(dir, '.env'), '--post', 'src/action/post.ts'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return {
    code,
    out,
    summary: readFileSync(summaryFile, 'utf8'),
    runnerTemp,
    report: existsSync(reportPath) ? JSON.parse(readFileSync(reportPath, 'utf8')) : null
  }
}

/** How many reports were written to the job summary (each begins with the same heading). */
const reports = (summary: string): number => summary.split('\n').filter((l) => /^## Redis Memory Guard/.test(l)).length

describe('the local-action recipe', () => {
  it('runs main and post with main state handed to post: post ends the step main began', async () => {
    const r = await redis()
    await redisCommand(r.port, 'FLUSHALL')
    const res = await localAction({ 'INPUT_REDIS-URL': r.url, 'INPUT_SAMPLE-INTERVAL': '100ms' })
    expect(res.out).toContain('Running Post Step')
    expect(res.out).not.toContain("No 'before' snapshot")
    // Post read main's begun step: it stopped main's sampler and scanned the keys against main's inventory.
    expect(res.out).toMatch(/\d+ samples?, peak/)
    expect(res.out).toContain('::group::Key inventory after the step')
    expect(res.report.before).not.toBeNull()
    expect(res.report.after).not.toBeNull()
    expect(reports(res.summary)).toBe(1)
    expect(res.out).toMatch(/'verdict'\s*│ 'pass'/)
    // Post removed the work folder main made; only the runner's temp folder is left.
    expect(readdirSync(res.runnerTemp).filter((f) => f.startsWith('redis-memory-guard-'))).toEqual([])
    expect(res.code).toBe(0)
  }, 240_000)

  it('with the run input, main runs the command and writes the one report; post only cleans up', async () => {
    const r = await redis()
    await redisCommand(r.port, 'FLUSHALL')
    const command = writeKeys('2', 'local')
      .map((a) => `'${a}'`)
      .join(' ')
    // The command finds Redis through REDIS_URL, which the guard sets only when asked (export-env).
    const res = await localAction({ 'INPUT_REDIS-URL': r.url, INPUT_RUN: command, 'INPUT_EXPORT-ENV': 'true' })
    expect(res.out).toContain('The main step ran the command and wrote the report; nothing left to do.')
    expect(reports(res.summary)).toBe(1)
    expect(res.report.leakedKeys).toBe(2)
    expect(res.report.command?.exitCode).toBe(0)
    // main's outputs, as the local runner collected them.
    expect(res.out).toMatch(/'leaked-keys'\s*│ '2'/)
    expect(res.out).toMatch(/'exit-code'\s*│ '0'/)
    expect(readdirSync(res.runnerTemp).filter((f) => f.startsWith('redis-memory-guard-'))).toEqual([])
    expect(await redisCommand(r.port, 'DBSIZE')).toBe(2)
    expect(res.code).toBe(0)
  }, 240_000)
})
