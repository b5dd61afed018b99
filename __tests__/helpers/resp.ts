/** A tiny RESP client for test set-up: sends commands and reads replies, independent of the code under test. */
import { Socket } from 'node:net'

export type Reply = string | number | null | Reply[] | Error

/** Sends each command in order over one connection and returns the replies. */
export async function redisCommands(port: number, commands: (string | Buffer)[][], host = '127.0.0.1'): Promise<Reply[]> {
  const sock = new Socket()
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.connect(port, host, () => resolve())
  })
  const chunks: Buffer[] = []
  for (const cmd of commands) {
    chunks.push(Buffer.from(`*${cmd.length}\r\n`))
    for (const arg of cmd) {
      const b = Buffer.isBuffer(arg) ? arg : Buffer.from(arg)
      chunks.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'))
    }
  }
  sock.write(Buffer.concat(chunks))
  let buf = Buffer.alloc(0)
  const replies: Reply[] = []
  return new Promise((resolve, reject) => {
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      for (;;) {
        const parsed = parse(buf, 0)
        if (!parsed) break
        replies.push(parsed.value)
        buf = buf.subarray(parsed.end)
        if (replies.length === commands.length) {
          sock.destroy()
          resolve(replies)
          return
        }
      }
    })
    sock.once('error', reject)
    sock.once('close', () => (replies.length < commands.length ? reject(new Error('connection closed early')) : undefined))
  })
}

/** Sends one command and returns its reply. */
export async function redisCommand(port: number, ...args: (string | Buffer)[]): Promise<Reply> {
  return (await redisCommands(port, [args]))[0]
}

function parse(buf: Buffer, start: number): { value: Reply; end: number } | null {
  const nl = buf.indexOf('\r\n', start)
  if (nl < 0) return null
  const type = String.fromCharCode(buf[start])
  const line = buf.subarray(start + 1, nl).toString()
  const next = nl + 2
  switch (type) {
    case '+':
      return { value: line, end: next }
    case '-':
      return { value: new Error(line), end: next }
    case ':':
      return { value: Number(line), end: next }
    case '$': {
      const len = Number(line)
      if (len < 0) return { value: null, end: next }
      if (buf.length < next + len + 2) return null
      return { value: buf.subarray(next, next + len).toString('utf8'), end: next + len + 2 }
    }
    case '*': {
      const n = Number(line)
      if (n < 0) return { value: null, end: next }
      const items: Reply[] = []
      let pos = next
      for (let i = 0; i < n; i++) {
        const item = parse(buf, pos)
        if (!item) return null
        items.push(item.value)
        pos = item.end
      }
      return { value: items, end: pos }
    }
    default:
      throw new Error(`unexpected RESP type ${type}`)
  }
}
