/** Runs the bundled CLI (`node dist/cli/index.js`) as a separate process, as a user would. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export const CLI = join(process.cwd(), 'dist', 'cli', 'index.js')
export const FIXTURES = join(process.cwd(), '__tests__', 'fixtures')

/** The fixture that writes keys and leaves them: `node write-keys.mjs <count> [prefix] [valueBytes]`. */
export const writeKeys = (...args: string[]): string[] => [process.execPath, join(FIXTURES, 'write-keys.mjs'), ...args]

/**
 * `run --url X` (one plain URL): REDIS_URL=X in the command's environment, as in a real job whose
 * suite already finds its Redis; the guard itself exports it only with --export-env or a server it
 * started (issue 20). A test that wants another REDIS_URL passes it in `env`.
 */
function suiteUrl(args: string[]): Record<string, string> {
  const at = args.indexOf('--url')
  const dashes = args.indexOf('--')
  if (args[0] !== 'run' || at < 0 || (dashes >= 0 && at > dashes) || args.filter((a, i) => a === '--url' && (dashes < 0 || i < dashes)).length > 1) return {}
  const url = args[at + 1] ?? ''
  return /^rediss?:\/\//.test(url) ? { REDIS_URL: url } : {}
}

/**
 * Runs the CLI with `args`. The environment is minimal (no REDIS_URL, no NO_COLOR) unless given, so
 * the machine's own settings cannot change what the test sees.
 */
export function runCli(args: string[], env: Record<string, string> = {}, file = CLI): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...suiteUrl(args), ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
