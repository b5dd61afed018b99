/**
 * Redis Cluster's hash slot of a key, as the server computes it (src/cluster.c keyHashSlot):
 * CRC16 (XMODEM: polynomial 0x1021, initial 0) of the key, or of its hash tag, modulo 16384.
 * Pure. Keys are byte strings (one char per byte, as the key inventory hands them out) or Buffers.
 */

export const CLUSTER_SLOTS = 16384

const TABLE = (() => {
  const t = new Uint16Array(256)
  for (let i = 0; i < 256; i++) {
    let crc = i << 8
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    t[i] = crc
  }
  return t
})()

/** CRC16/XMODEM over bytes `from` (inclusive) to `to` (exclusive). */
export function crc16(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let crc = 0
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]) & 0xff]
  return crc
}

/**
 * The hash tag of a key: what lies between the first `{` and the next `}` when that is not
 * empty; null when the whole key is hashed. `{}` and a `{` without `}` mean no tag.
 */
export function hashTagOf(key: string | Buffer): string | null {
  const text = typeof key === 'string' ? key : key.toString('latin1')
  const open = text.indexOf('{')
  if (open < 0) return null
  const close = text.indexOf('}', open + 1)
  if (close <= open + 1) return null
  return text.slice(open + 1, close)
}

/** The slot (0–16383) Redis Cluster puts `key` in. */
export function keySlot(key: string | Buffer): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'latin1') : key
  const open = bytes.indexOf(0x7b)
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1)
    if (close > open + 1) return crc16(bytes, open + 1, close) & (CLUSTER_SLOTS - 1)
  }
  return crc16(bytes) & (CLUSTER_SLOTS - 1)
}
