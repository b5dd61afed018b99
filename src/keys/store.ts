/**
 * The "before" key names on disk, from the main step to the post step, as their 64-bit hashes
 * (keyset.ts): per DB a record of 0xFFFFFFFF 0xFFFFFFFF, the DB number and its key count (u32
 * each), then two u32 per key. 8 bytes a key whatever its name: 1M keys make an 8 MB file.
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { KeySets } from './diff.js'
import { hashInto, KeyHashSet } from './keyset.js'

const DB_MARK = 0xffffffff
const CHUNK = 1 << 20

/** Writes key hashes as the scan finds them, in 1 MB chunks. */
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
    if (this.used + 16 > this.buf.length) this.flush()
    if (db !== this.db) {
      this.buf.writeUInt32LE(DB_MARK, this.used)
      this.buf.writeUInt32LE(DB_MARK, this.used + 4)
      this.buf.writeUInt32LE(db, this.used + 8)
      this.used += 12
      this.db = db
    }
    const h = hashInto(key)
    this.buf.writeUInt32LE(h[0], this.used)
    this.buf.writeUInt32LE(h[1], this.used + 4)
    this.used += 8
  }

  private flush(): void {
    if (this.used === 0) return
    this.out.write(this.buf.subarray(0, this.used))
    this.buf = Buffer.allocUnsafe(CHUNK)
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

/** Reads a key file back into one hash set per DB. */
export async function readKeyFile(path: string): Promise<KeySets> {
  return parseKeyFile(await readFile(path))
}

/** Parses the key file format; throws on a truncated file. */
export function parseKeyFile(buf: Buffer): KeySets {
  if (buf.length % 4 !== 0) throw new Error('the key file is truncated')
  // A word view for speed (little-endian, as written, on every runner); copied when not 4-byte aligned.
  const bytes = buf.byteOffset % 4 === 0 ? buf : Buffer.from(Uint8Array.prototype.slice.call(buf))
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)
  const sets: KeySets = new Map()
  let current: KeyHashSet | undefined
  for (let i = 0; i < words.length; i += 2) {
    if (i + 2 > words.length) throw new Error('the key file is truncated')
    const a = words[i]
    const b = words[i + 1]
    if (a === DB_MARK && b === DB_MARK) {
      if (i + 3 > words.length) throw new Error('the key file is truncated')
      const db = words[i + 2]
      i += 1 // the DB number; the loop's += 2 moves past the marks
      current = sets.get(db) ?? new KeyHashSet((words.length - i) / 2)
      sets.set(db, current)
      continue
    }
    if (!current) throw new Error('the key file does not start with a DB record')
    current.addHash(a, b)
  }
  return sets
}
