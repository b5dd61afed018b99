/**
 * Runs the watched command (the action's `run` input, the CLI's words after `--`), streaming its
 * output live and scanning it for OOM lines. One runner for both front ends.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { maskUrlText, type RedisTarget } from '../redis/target.js'
import { MAX_QUOTED_LINES, OomLineScanner, mergeOomMessages, type CommandReport } from './output.js'

export interface CommandSpec {
  /**
   * A shell line, run like a `run:` step (`bash -e`), or the words of a command, run without a shell.
   * `launch` starts it (Node's spawn when not given).
   */
  command: { shell: string; launch?: Launcher } | { argv: string[] }
  env: NodeJS.ProcessEnv
  /** Strings masked in the command text kept for the report (passwords). */
  hide?: string[]
  /** Where the command's stdout goes (stderr when stdout carries a JSON or markdown report). */
  stdout?: NodeJS.WritableStream
  /** Hears of the child once it runs, so a signal handler can pass signals on. */
  onSpawn?: (child: ChildProcess) => void
  /** Hears every decoded chunk of stdout and stderr with its arrival time (epoch ms): the output's timeline. */
  onOutput?: (chunk: string, atMs: number, stream: 'stdout' | 'stderr') => void
}

/** What a launcher hands the started program: its environment, and where each chunk of its output goes. */
export interface LaunchIo {
  env: NodeJS.ProcessEnv
  onStdout(chunk: Buffer): void
  onStderr(chunk: Buffer): void
  onSpawn?: (child: ChildProcess) => void
}

/** How the program ended: its exit code, or the signal that ended it, or why it could not start. */
export interface Launched {
  code: number | null
  signal: string | null
  error?: Error
}

/** Starts `file` with `args`, streams its output to `io`, resolves when it has ended; never rejects. */
export type Launcher = (file: string, args: string[], io: LaunchIo) => Promise<Launched>

/**
 * Node's spawn, for both front ends. Not @actions/exec, in the action too: a cancelled job sends
 * SIGINT/SIGTERM to the guard, which must pass them on to the command's whole process group (so no
 * test server outlives the step) and then stop the sampler and restore settings (issue 20). exec
 * gives neither the child nor a process group of its own, and it resolves a signalled command with
 * a null exit code and no signal name.
 */
export const spawnLauncher: Launcher = (file, args, io) => {
  // A group of its own (unless on a terminal, where the group is the terminal's and Ctrl-C reaches
  // it all), so that a cancelled step ends the whole command, not only its shell: a test server the
  // suite started in the background must not outlive the step.
  const group = !process.stdin.isTTY && process.platform !== 'win32'
  const child = spawn(file, args, { env: io.env, stdio: ['inherit', 'pipe', 'pipe'], detached: group })
  io.onSpawn?.(child)
  const stopSignals = forwardSignals(child, group)
  child.stdout.on('data', io.onStdout)
  child.stderr.on('data', io.onStderr)
  return new Promise((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      stopSignals()
      resolve({ code: NOT_STARTED, signal: null, error })
    })
    child.once('close', (code, signal) => {
      stopSignals()
      resolve({ code, signal })
    })
  })
}

/** The exit code when the command could not be started, as a shell reports it. */
export const NOT_STARTED = 127

/** What ran, for the report; `startError` is set when it could not be started at all. */
export type CommandRun = CommandReport & { startError?: string }

/** Like a `run:` step with the default shell: `bash -e` on Linux and macOS, cmd on Windows. */
function shellArgs(command: string): [string, string[]] {
  if (process.platform === 'win32') return [process.env.ComSpec || 'cmd.exe', ['/D', '/S', '/C', command]]
  return ['bash', ['--noprofile', '--norc', '-e', '-c', command]]
}

/** Signal numbers for the shell's exit-code convention (128 + signal). */
const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 }

/** The exit code a shell would report: the code, or 128 + the signal's number. */
export function exitCodeOf(report: Pick<CommandReport, 'exitCode' | 'signal'>): number {
  if (report.exitCode !== null) return report.exitCode
  return 128 + (report.signal ? (SIGNALS[report.signal] ?? 0) : 0)
}

/** The command as one would type it: arguments with spaces or quotes in single quotes. */
export function shellLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')
}

/** The variables the guard may hand to the command. */
export const EXPORTED_VARIABLES = ['REDIS_URL', 'REDIS_HOST', 'REDIS_PORT'] as const

/**
 * The command's environment: the caller's, without the action's inputs (a `run:` step does not see
 * them either), and nothing else, unless `exportRedis`: where the guard started the server
 * (throwaway, container, binary) or the user asked (export-env). Then REDIS_URL, REDIS_HOST and
 * REDIS_PORT point at the watched Redis. A suite that reads REDIS_URL in a test must see the same
 * value under the guard as without it.
 */
export function commandEnv(base: NodeJS.ProcessEnv, target: RedisTarget, exportRedis: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(base)) if (!k.startsWith('INPUT_')) env[k] = v
  if (exportRedis) {
    env.REDIS_URL = target.url
    env.REDIS_HOST = target.host
    env.REDIS_PORT = String(target.port)
  }
  return env
}

/** One line for a command that could not be started. */
function notStarted(file: string, error: Error & { code?: string }): string {
  // spawn says ENOENT; @actions/exec looks the program up on the PATH first and says so in words.
  if (error.code === 'ENOENT' || /^Unable to locate executable file/.test(error.message)) return `Command not found: ${file}.`
  return `Could not start ${file}: ${error.message}`
}

/** The log line that says what the command's environment got, and why. */
export function exportLine(target: RedisTarget, startedForRun: boolean, asked: boolean): string {
  if (!startedForRun && !asked) return `The command's environment is left as it is (REDIS_URL, REDIS_HOST and REDIS_PORT not set by the guard; export-env sets them).`
  return `Exported to the command: REDIS_URL=${target.display}, REDIS_HOST=${target.host}, REDIS_PORT=${target.port} (${startedForRun ? 'the guard started this Redis' : 'export-env'}).`
}

/** How long a command has to end after a passed-on signal before its group is killed. */
export const SIGNAL_GRACE_MS = 5000

/**
 * While the command runs, SIGINT, SIGTERM and SIGHUP to the guard are passed on to the command's
 * process group; the guard itself goes on, so the step still ends (sampler stopped, report written,
 * settings restored). A group still there SIGNAL_GRACE_MS later, or when the command's shell has
 * ended, is killed. Returns the function that removes the handlers (and ends what is left).
 */
function forwardSignals(child: ChildProcess, group: boolean): () => void {
  let signalled = false
  let timer: NodeJS.Timeout | null = null
  const kill = (signal: NodeJS.Signals): void => {
    try {
      if (group && child.pid !== undefined) process.kill(-child.pid, signal)
      else child.kill(signal)
    } catch {
      // already gone
    }
  }
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => {
    const handler = (): void => {
      // On a terminal, Ctrl-C has reached the command already.
      if (!(signal === 'SIGINT' && !group)) kill(signal)
      if (!signalled) timer = setTimeout(() => kill('SIGKILL'), SIGNAL_GRACE_MS)
      signalled = true
    }
    process.on(signal, handler)
    return () => process.removeListener(signal, handler)
  })
  return () => {
    handlers.forEach((remove) => remove())
    if (timer) clearTimeout(timer)
    // The shell is gone; what it left running in its group after a cancel goes too.
    if (signalled && group) kill('SIGKILL')
  }
}

/** Runs the command and resolves when it ends; never rejects (a command that cannot start exits 127). */
export async function runCommand(spec: CommandSpec): Promise<CommandRun> {
  const [file, args] = 'shell' in spec.command ? shellArgs(spec.command.shell) : [spec.command.argv[0], spec.command.argv.slice(1)]
  const text = 'shell' in spec.command ? spec.command.shell : shellLine(spec.command.argv)
  const started = new Date()
  // One scanner per stream: lines of stdout and stderr interleave, so they are split apart.
  const scanners = { out: new OomLineScanner(), err: new OomLineScanner() }
  const reader = (to: NodeJS.WritableStream, s: OomLineScanner, stream: 'stdout' | 'stderr'): { chunk(b: Buffer): void; end(): void } => {
    const decoder = new StringDecoder('utf8')
    const heard = (text: string): void => {
      s.push(text)
      if (text !== '') spec.onOutput?.(text, Date.now(), stream)
    }
    return {
      chunk: (chunk) => {
        to.write(chunk)
        heard(decoder.write(chunk))
      },
      end: () => heard(decoder.end())
    }
  }
  const out = reader(spec.stdout ?? process.stdout, scanners.out, 'stdout')
  const err = reader(process.stderr, scanners.err, 'stderr')
  const launch = 'shell' in spec.command && spec.command.launch ? spec.command.launch : spawnLauncher
  const result = await launch(file, args, { env: spec.env, onStdout: out.chunk, onStderr: err.chunk, onSpawn: spec.onSpawn })
  out.end()
  err.end()
  scanners.out.end()
  scanners.err.end()
  let shown = maskUrlText(text)
  for (const h of spec.hide ?? []) if (h) shown = shown.split(h).join('***')
  return {
    command: shown,
    exitCode: result.code,
    signal: result.signal,
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    oomLines: scanners.out.count + scanners.err.count,
    oomQuotes: [...scanners.out.quotes, ...scanners.err.quotes].slice(0, MAX_QUOTED_LINES),
    oomMessages: mergeOomMessages([scanners.out, scanners.err]),
    ...(result.error ? { startError: notStarted(file, result.error) } : {})
  }
}
