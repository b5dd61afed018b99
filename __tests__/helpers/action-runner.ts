/**
 * Runs the bundled action the way the GitHub runner does: `node dist/<step>/index.js` with INPUT_*
 * variables and the GITHUB_STATE / GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, and the saved
 * state passed back to the post step as STATE_* variables.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface StepResult {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
}

export interface ActionJob {
  runnerTemp: string
  /** Runs one step; `state` is passed as STATE_* variables (for the post step). */
  step(
    name: 'main' | 'post' | string,
    inputs: Record<string, string>,
    state?: Record<string, string>,
    env?: Record<string, string>,
    /** Called with the running step, e.g. to kill it the way a cancelled job does. */
    control?: (child: ChildProcess) => void
  ): Promise<StepResult>
}

const ROOT = process.cwd()

/** Parses the `name<<DELIM\nvalue\nDELIM` file format that @actions/core writes. */
export function parseCommandFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {}
  const text = readFileSync(path, 'utf8')
  const out: Record<string, string> = {}
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm
  for (const m of text.matchAll(re)) out[m[1]] = m[3]
  return out
}

/**
 * Jobs whose main step ran and whose post step has not: a test that fails between the two would
 * leave what main started (a container, a cluster, a sampler) running. The runner always runs
 * post; finishPendingPosts (jest's afterEach, helpers/cleanup.ts) does the same for them.
 */
const pendingPosts = new Map<ActionJob, () => Promise<unknown>>()

/** Runs the post step of every job a test left after its main step; never throws. */
export async function finishPendingPosts(): Promise<void> {
  const posts = [...pendingPosts.values()]
  pendingPosts.clear()
  await Promise.all(posts.map((post) => post().catch(() => undefined)))
}

/** A fresh runner temp folder for one job; `node` is the Node binary the steps run under (the runner's is node24). */
export function newJob(node = process.execPath): ActionJob {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'rmg-job-'))
  let n = 0
  const job: ActionJob = {
    runnerTemp,
    async step(name, inputs, state = {}, env = {}, control) {
      if (name === 'post') pendingPosts.delete(job)
      n++
      const files = {
        GITHUB_STATE: join(runnerTemp, `state-${n}`),
        GITHUB_OUTPUT: join(runnerTemp, `output-${n}`),
        GITHUB_STEP_SUMMARY: join(runnerTemp, `summary-${n}.md`)
      }
      for (const f of Object.values(files)) writeFileSync(f, '')
      const childEnv: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        RUNNER_TEMP: runnerTemp,
        GITHUB_ACTIONS: 'true',
        ...files,
        // As in a real job whose suite already finds its Redis: the guard no longer exports
        // REDIS_URL to a `run` command on a Redis it did not start (issue 20), so the job's env does.
        ...(inputs.run && inputs['redis-url'] && !inputs['redis-url'].includes('\n') && !inputs['redis-url'].includes('=') ? { REDIS_URL: inputs['redis-url'] } : {}),
        ...env
      }
      for (const [k, v] of Object.entries(inputs)) childEnv[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v
      for (const [k, v] of Object.entries(state)) childEnv[`STATE_${k}`] = v
      const child = spawn(node, [join(ROOT, 'dist', name, 'index.js')], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
      control?.(child)
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)))
      const result = {
        code,
        stdout,
        stderr,
        outputs: parseCommandFile(files.GITHUB_OUTPUT),
        state: parseCommandFile(files.GITHUB_STATE),
        summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8')
      }
      if (name === 'main') pendingPosts.set(job, () => job.step('post', inputs, result.state, env))
      return result
    }
  }
  return job
}

/** Runs main, then `between`, then post with main's state: one job as the runner would. */
export async function runJob(
  inputs: Record<string, string>,
  between: () => Promise<void> = async () => {},
  env: Record<string, string> = {}
): Promise<{ main: StepResult; post: StepResult; job: ActionJob }> {
  const job = newJob()
  const main = await job.step('main', inputs, {}, env)
  await between()
  const post = await job.step('post', inputs, main.state, env)
  return { main, post, job }
}

/** The begun step the main step saved for the post step (work folder, sampler), as the post step reads it. */
export function stepState(main: Pick<StepResult, 'state'>): { workDir: string; sampler: { pid: number; startedAt: string; file: string } | null } {
  return JSON.parse(main.state.step)
}
