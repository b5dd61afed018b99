/**
 * Runs the watched command (the action's `run` input, the CLI's words after `--`), streaming its
 * output live and scanning it for OOM lines. One runner for both front ends.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { maskUrlText, type RedisTarget } from '../redis/target.js'
import { MAX_QUOTED_LINES, OomLineScanner, mergeOomMessages, type CommandReport } from './output.js'

export interface CommandSpec {
  /** A shell line, run like a `run:` step (`bash -e`), or the words of a command, run without a shell. */
  command: { shell: string } | { argv: string[] }
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
  // A group of its own (unless on a terminal, where the group is the terminal's and Ctrl-C reaches
  // it all), so that a cancelled step ends the whole command, not only its shell: a test server the
  // suite started in the background must not outlive the step.
  const group = !process.stdin.isTTY && process.platform !== 'win32'
  const child = spawn(file, args, { env: spec.env, stdio: ['inherit', 'pipe', 'pipe'], detached: group })
  spec.onSpawn?.(child)
  const stopSignals = forwardSignals(child, group)
  // One scanner per stream: lines of stdout and stderr interleave, so they are split apart.
  const scanners = { out: new OomLineScanner(), err: new OomLineScanner() }
  const pipe = (from: NodeJS.ReadableStream, to: NodeJS.WritableStream, s: OomLineScanner, stream: 'stdout' | 'stderr'): void => {
    const decoder = new StringDecoder('utf8')
    from.on('data', (chunk: Buffer) => {
      to.write(chunk)
      const text = decoder.write(chunk)
      s.push(text)
      if (text !== '') spec.onOutput?.(text, Date.now(), stream)
    })
    from.on('end', () => {
      const text = decoder.end()
      s.push(text)
      if (text !== '') spec.onOutput?.(text, Date.now(), stream)
    })
  }
  pipe(child.stdout, spec.stdout ?? process.stdout, scanners.out, 'stdout')
  pipe(child.stderr, process.stderr, scanners.err, 'stderr')
  const result = await new Promise<{ code: number | null; signal: string | null; error?: NodeJS.ErrnoException }>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: NOT_STARTED, signal: null, error }))
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  stopSignals()
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
    ...(result.error
      ? { startError: result.error.code === 'ENOENT' ? `Command not found: ${file}.` : `Could not start ${file}: ${result.error.message}` }
      : {})
  }
}
