/**
 * The socket to one Redis, as the guard's client (client.ts) and the lean key scan (keys/raw.ts)
 * both open it: TCP, or TLS for rediss:// with the target's CA, client certificate and
 * verification (tls.ts), and the commands that start a session as the URL asks.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net'
import type { RedisTarget } from './target.js'

/**
 * Opens the socket at once (listeners can be attached before it is up); `ready` resolves once it
 * is connected (and the TLS handshake done), rejects on an error, on a close, or after `timeoutMs`.
 */
export function openSocket(target: RedisTarget, timeoutMs: number): { socket: Socket; ready: Promise<void> } {
  // node:tls (with OpenSSL's set-up) is loaded only for rediss://: ~20 ms of a start on Node 24.
  const socket = target.tls
    ? process
        .getBuiltinModule('node:tls')
        .connect({ host: target.host, port: target.port, ...(isIP(target.host) ? {} : { servername: target.host }), ...target.tlsOptions })
    : netConnect({ host: target.host, port: target.port })
  socket.setNoDelay(true)
  const ready = new Promise<void>((resolve, reject) => {
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('Connection timeout')))
    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      socket.setTimeout(0)
      resolve()
    })
    socket.once('error', reject)
    socket.once('close', () => reject(new Error('Socket closed unexpectedly')))
  })
  // A rejection nobody awaits yet (the caller attaches its handlers first) is not an unhandled one.
  ready.catch(() => {})
  return { socket, ready }
}

/** AUTH as the URL asks (a user without a password authenticates with an empty one, as node-redis did), or null. */
export function authCommand(target: RedisTarget): string[] | null {
  if (target.username === null && target.password === null) return null
  return target.username === null ? ['AUTH', target.password ?? ''] : ['AUTH', target.username, target.password ?? '']
}
