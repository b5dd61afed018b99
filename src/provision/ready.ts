import { Socket } from 'node:net'
import { sleep } from '../redis/connection.js'

export type ReadyResult = { ready: true; ms: number } | { ready: false; ms: number; reason: string; gone: boolean }

export interface WaitOptions {
  host: string
  port: number
  timeoutMs: number
  /** Pause between two PINGs. Small, so the wait adds at most this much to the server's start. */
  intervalMs?: number
  /** Null while the server process lives, else why it is gone; asked about twice a second. */
  gone?: () => Promise<string | null>
}

/**
 * Waits until something on host:port answers PING. A reply that asks for a password counts:
 * the server is up, and the real connection says whether the password fits. `-LOADING` does not.
 */
export async function waitForPing(opts: WaitOptions): Promise<ReadyResult> {
  const started = Date.now()
  const deadline = started + opts.timeoutMs
  const interval = opts.intervalMs ?? 50
  let goneReason: string | null = null
  let checking = false
  let lastCheck = started
  let lastError = 'no answer yet'
  for (;;) {
    if (goneReason !== null) return { ready: false, ms: Date.now() - started, reason: goneReason, gone: true }
    const reply = await ping(opts.host, opts.port, Math.max(100, Math.min(1000, deadline - Date.now())))
    if (reply.ok) return { ready: true, ms: Date.now() - started }
    lastError = reply.error
    if (opts.gone && !checking && Date.now() - lastCheck >= 500) {
      checking = true
      opts
        .gone()
        .then((r) => (goneReason = r))
        .catch(() => {})
        .finally(() => {
          checking = false
          lastCheck = Date.now()
        })
    }
    if (Date.now() + interval > deadline) return { ready: false, ms: Date.now() - started, reason: lastError, gone: false }
    await sleep(interval)
  }
}

/** One PING over a fresh socket. */
export function ping(host: string, port: number, timeoutMs: number): Promise<{ ok: true } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const sock = new Socket()
    let text = ''
    const done = (r: { ok: true } | { ok: false; error: string }): void => {
      sock.destroy()
      resolve(r)
    }
    sock.setTimeout(timeoutMs, () => done({ ok: false, error: 'PING timed out' }))
    sock.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, error: err.code ?? err.message }))
    sock.once('close', () => done({ ok: false, error: 'connection closed before a reply' }))
    sock.on('data', (d: Buffer) => {
      text += d.toString('utf8')
      if (!text.includes('\r\n')) return
      const line = text.slice(0, text.indexOf('\r\n'))
      if (line.startsWith('-LOADING')) done({ ok: false, error: 'Redis is loading its data' })
      else done({ ok: true })
    })
    sock.connect(port, host, () => sock.write('PING\r\n'))
  })
}
