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

/**
 * The command's environment: the caller's, without the action's inputs (a `run:` step does not see
 * them either), with the watched Redis as REDIS_URL when it has none. A Redis the guard started for
 * this run replaces REDIS_URL and adds REDIS_HOST and REDIS_PORT, which many suites read instead.
 */
export function commandEnv(base: NodeJS.ProcessEnv, target: RedisTarget, startedForRun: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(base)) if (!k.startsWith('INPUT_')) env[k] = v
  if (startedForRun) {
    env.REDIS_URL = target.url
    env.REDIS_HOST = target.host
    env.REDIS_PORT = String(target.port)
  } else if (!env.REDIS_URL?.trim()) {
    env.REDIS_URL = target.url
  }
  return env
}

/** Runs the command and resolves when it ends; never rejects (a command that cannot start exits 127). */
export async function runCommand(spec: CommandSpec): Promise<CommandRun> {
  const [file, args] = 'shell' in spec.command ? shellArgs(spec.command.shell) : [spec.command.argv[0], spec.command.argv.slice(1)]
  const text = 'shell' in spec.command ? spec.command.shell : shellLine(spec.command.argv)
  const started = new Date()
  const child = spawn(file, args, { env: spec.env, stdio: ['inherit', 'pipe', 'pipe'] })
  spec.onSpawn?.(child)
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
