/**
 * The "before" key names on disk, from the main step to the post step. The format is compact and
 * binary-safe: a DB record (0xFFFFFFFF, then the DB number as u32) before each DB's keys, then per
 * key its length as u32 and its bytes. 1M keys of ~20 bytes make a ~24 MB file.
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { KeySets } from './diff.js'

const DB_MARK = 0xffffffff
const CHUNK = 1 << 20

/** Writes key names as the scan finds them, in 1 MB chunks. */
export class KeyFileWriter {
  private readonly out: WriteStream
  private buf = Buffer.allocUnsafe(CHUNK)
  private used = 0
  private db = -1
  private failed: Error | null = null

  constructor(path: string) {
    this.out = createWriteStream(path)
    this.out.on('error', (err) => (this.failed = err))
  }

  /** `key` is a byte string. */
  add(db: number, key: string): void {
    if (db !== this.db) {
      this.ensure(8)
      this.buf.writeUInt32LE(DB_MARK, this.used)
      this.buf.writeUInt32LE(db, this.used + 4)
      this.used += 8
      this.db = db
    }
    this.ensure(4 + key.length)
    this.buf.writeUInt32LE(key.length, this.used)
    this.used += 4
    this.used += this.buf.write(key, this.used, 'latin1')
  }

  private ensure(n: number): void {
    if (this.used + n <= this.buf.length) return
    this.flush()
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n)
  }

  private flush(): void {
    if (this.used === 0) return
    this.out.write(this.buf.subarray(0, this.used))
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, this.buf.length))
    this.used = 0
  }

  /** Flushes and closes; rejects when the file could not be written. */
  async close(): Promise<void> {
    this.flush()
    await new Promise<void>((resolve, reject) => {
      this.out.end(() => (this.failed ? reject(this.failed) : resolve()))
      this.out.once('error', reject)
    })
    if (this.failed) throw this.failed
  }
}

/** Reads a key file back into one Set of byte strings per DB. */
export async function readKeyFile(path: string): Promise<KeySets> {
  return parseKeyFile(await readFile(path))
}

/** Parses the key file format; throws on a truncated file. */
export function parseKeyFile(buf: Buffer): KeySets {
  const sets: KeySets = new Map()
  let current: Set<string> | undefined
  let pos = 0
  while (pos < buf.length) {
    if (pos + 4 > buf.length) throw new Error('the key file is truncated')
    const len = buf.readUInt32LE(pos)
    pos += 4
    if (len === DB_MARK) {
      const db = buf.readUInt32LE(pos)
      pos += 4
      current = sets.get(db) ?? new Set()
      sets.set(db, current)
      continue
    }
    if (!current || pos + len > buf.length) throw new Error('the key file is truncated')
    current.add(buf.toString('latin1', pos, pos + len))
    pos += len
  }
  return sets
}
