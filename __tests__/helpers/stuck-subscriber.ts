/** A Pub/Sub subscriber that stops reading, so Redis keeps what it publishes in the client's output buffer. */
import { Socket } from 'node:net'

export interface StuckSubscriber {
  close(): void
}

/** Subscribes to `channel` over a raw socket, waits for the confirmation, then never reads again. */
export async function stuckSubscriber(port: number, channel: string): Promise<StuckSubscriber> {
  const sock = new Socket()
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.connect(port, '127.0.0.1', () => resolve())
  })
  sock.on('error', () => {})
  sock.write(`*2\r\n$9\r\nSUBSCRIBE\r\n$${Buffer.byteLength(channel)}\r\n${channel}\r\n`)
  await new Promise<void>((resolve) => sock.once('data', () => resolve()))
  // A small receive window, so the kernel holds little and Redis the rest.
  sock.pause()
  return { close: () => sock.destroy() }
}
