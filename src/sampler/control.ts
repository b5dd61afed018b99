/** Starting, stopping and reading the background sampler: the I/O edge around the worker. */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sleep } from '../redis/connection.js'
import { parseSampleLines, type Sample } from './sample.js'
import { SAMPLER_ENV, type SamplerConfig } from './worker.js'

/**
 * The sampler's bundle, next to the bundle that is running (dist/main or dist/post). Run from the
 * source (src/sampler/control.ts, e.g. by the toolkit's local runner), it is the built one in dist/.
 */
export function samplerScript(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  // Built from parts so that ncc does not take it for an asset to copy into the bundle.
  const beside = join(here, '..', 'sampler', 'index.js')
  return existsSync(beside) ? beside : join(here, '..', '..', 'dist', 'sampler', 'index.js')
}

/**
 * Starts the sampler detached from this process, so it outlives the main step. The URL goes
 * through the environment, which `ps` does not show; the action's inputs are left out of it.
 */
export async function startSampler(config: SamplerConfig, script = samplerScript()): Promise<number> {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('INPUT_')) env[k] = v
  env[SAMPLER_ENV] = JSON.stringify(config)
  const child = spawn(process.execPath, [script], { detached: true, stdio: 'ignore', env })
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.once('spawn', () => (child.pid === undefined ? reject(new Error('no process id')) : resolve(child.pid)))
  })
  child.unref()
  return pid
}

export type StopResult = 'stopped' | 'killed' | 'not-running'

/** How long a stopped sampler gets to exit on SIGTERM before SIGKILL. */
export const SAMPLER_STOP_GRACE_MS = 3000

/** Stops the sampler: SIGTERM, up to `graceMs` for it to go, then SIGKILL. Never throws. */
export async function stopSampler(pid: number, graceMs = SAMPLER_STOP_GRACE_MS): Promise<StopResult> {
  if (!isSampler(pid)) return 'not-running'
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    return 'not-running'
  }
  const deadline = Date.now() + graceMs
  // The sampler exits at once on SIGTERM, within a few ms: look again after 1, 2, 4, ... ms (at
  // most every 25 ms), so the post step does not sit out a whole 25 ms poll for it.
  for (let wait = 1; Date.now() < deadline; wait = Math.min(wait * 2, 25)) {
    if (!alive(pid)) return 'stopped'
    await sleep(wait)
  }
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    return 'stopped'
  }
  return 'killed'
}

/** True while the process runs (a zombie waiting for its parent to reap it has stopped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  const state = procStat(pid)?.state
  return state !== 'Z' && state !== 'X'
}

/**
 * True when `pid` is still our sampler: after hours the number may belong to another process,
 * which must not be killed. Where /proc does not exist, the pid is trusted.
 */
function isSampler(pid: number): boolean {
  if (!alive(pid)) return false
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sampler')
  } catch {
    return process.platform !== 'linux'
  }
}

/** The fields of /proc/<pid>/stat that the bench and the stop logic use; null off Linux. */
export function procStat(pid: number): { state: string; utime: number; stime: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name is in parentheses and may hold spaces: split after its closing one.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return { state: fields[0], utime: Number(fields[11]), stime: Number(fields[12]) }
  } catch {
    return null
  }
}

/** Waits until the sampler has written its first line, or `timeoutMs` passed; true when it has. */
export async function waitForFirstSample(file: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (statSync(file).size > 0) return true
    } catch {
      // not created yet
    }
    if (Date.now() >= deadline) return false
    await sleep(25)
  }
}

/** The samples written so far; none when the file is missing. */
export async function readSamples(file: string): Promise<Sample[]> {
  try {
    return parseSampleLines(await readFile(file, 'utf8'))
  } catch {
    return []
  }
}
