import { spawn } from 'node:child_process'
import { formatDuration } from '../core/size.js'

export interface ToolResult {
  code: number | null
  stdout: string
  stderr: string
  /** The command was not found on PATH (ENOENT). */
  notFound: boolean
  timedOut: boolean
}

export interface ToolOptions {
  timeoutMs: number
  /** Called with each output line as it comes, e.g. to show a pull's progress. */
  onLine?: (line: string) => void
}

/**
 * Runs a command with an argument array (never through a shell), bounded in time. Never throws:
 * the caller turns the result into a message that fits.
 *
 * Node's spawn, not @actions/exec: a hung `docker pull` or `podman run` must be killed after
 * `timeoutMs`, and exec offers neither a timeout nor a handle on the child to kill.
 */
export function runTool(binary: string, args: string[], opts: ToolOptions): Promise<ToolResult> {
  return new Promise((resolve) => {
    let stdout = ''
    let stderr = ''
    let timedOut = false
    let settled = false
    const finish = (result: Omit<ToolResult, 'stdout' | 'stderr' | 'timedOut'>): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve({ ...result, stdout, stderr, timedOut })
    }
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const timer = setTimeout(() => {
      timedOut = true
      stderr += `\n${binary} ${args[0] ?? ''} timed out after ${formatDuration(opts.timeoutMs)}`
      child.kill('SIGKILL')
    }, opts.timeoutMs)
    const lines = (push: (s: string) => void) => {
      let partial = ''
      return (d: Buffer): void => {
        const text = d.toString()
        push(text)
        if (!opts.onLine) return
        partial += text
        const parts = partial.split(/\r?\n|\r/)
        partial = parts.pop() ?? ''
        for (const p of parts) if (p.trim() !== '') opts.onLine(p)
      }
    }
    child.stdout.on('data', lines((s) => (stdout += s)))
    child.stderr.on('data', lines((s) => (stderr += s)))
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') finish({ code: null, notFound: true })
      else {
        stderr += `\n${err.message}`
        finish({ code: null, notFound: false })
      }
    })
    child.on('close', (code) => finish({ code, notFound: false }))
  })
}
