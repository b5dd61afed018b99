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
 * Runs the CLI with `args`. The environment is minimal (no REDIS_URL, no NO_COLOR) unless given, so
 * the machine's own settings cannot change what the test sees.
 */
export function runCli(args: string[], env: Record<string, string> = {}, file = CLI): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
