/** Runs the `run` input's command through the shell, streaming its output live and scanning it for OOM lines. */
import { spawn } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { maskUrlText } from '../redis/target.js'
import { MAX_QUOTED_LINES, OomLineScanner, type CommandReport } from './output.js'

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

/**
 * Runs the command and resolves when it ends. The action's inputs are not passed on (a `run:` step
 * does not see them either), and `hide` strings are masked in the command text kept for the report.
 */
export async function runCommand(command: string, hide: string[] = []): Promise<CommandReport> {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('INPUT_')) env[k] = v
  const [file, args] = shellArgs(command)
  const started = new Date()
  const child = spawn(file, args, { env, stdio: ['inherit', 'pipe', 'pipe'] })
  // One scanner per stream: lines of stdout and stderr interleave, so they are split apart.
  const scanners = { out: new OomLineScanner(), err: new OomLineScanner() }
  const pipe = (from: NodeJS.ReadableStream, to: NodeJS.WriteStream, s: OomLineScanner): void => {
    const decoder = new StringDecoder('utf8')
    from.on('data', (chunk: Buffer) => {
      to.write(chunk)
      s.push(decoder.write(chunk))
    })
    from.on('end', () => s.push(decoder.end()))
  }
  pipe(child.stdout, process.stdout, scanners.out)
  pipe(child.stderr, process.stderr, scanners.err)
  const result = await new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
    child.once('error', (err) => resolve({ code: 127, signal: null, error: err.message }))
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  if (result.error) process.stderr.write(`Could not start the shell: ${result.error}\n`)
  scanners.out.end()
  scanners.err.end()
  let shown = maskUrlText(command)
  for (const h of hide) if (h) shown = shown.split(h).join('***')
  return {
    command: shown,
    exitCode: result.code,
    signal: result.signal,
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    oomLines: scanners.out.count + scanners.err.count,
    oomQuotes: [...scanners.out.quotes, ...scanners.err.quotes].slice(0, MAX_QUOTED_LINES)
  }
}
