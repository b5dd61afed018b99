/**
 * Key analysis over several nodes (the masters of a cluster): prefixes merged across nodes, and
 * hash tags counted so the report can say which tag pins many keys to one slot. Pure: no I/O.
 */
import { keySlot, hashTagOf } from '../redis/keyslot.js'
import type { Inventory, KeyGroup } from './tally.js'

/** Keys sharing one hash tag, so one slot and one node. `tag` is a byte string. */
export interface HashTagFigure {
  tag: string
  slot: number
  keys: number
  bytes: number
}

/**
 * Counts keys by hash tag, fed one key at a time from the inventory's `onKey`. Bounded: past
 * `maxTags` distinct tags, new ones are counted only in `untrackedKeys`, since a suite that
 * tags every key with its own id would otherwise hold one entry per key.
 */
export class HashTagTally {
  private readonly tags = new Map<string, { keys: number; bytes: number }>()
  /** Keys with a tag that came after the map was full. */
  untrackedKeys = 0
  /** Keys with any hash tag. */
  taggedKeys = 0
  /** Every key counted, tagged or not. */
  totalKeys = 0

  constructor(private readonly maxTags = 10_000) {}

  add(key: string, bytes: number): void {
    this.totalKeys++
    const tag = hashTagOf(key)
    if (tag === null) return
    this.taggedKeys++
    const entry = this.tags.get(tag)
    if (entry) {
      entry.keys++
      entry.bytes += bytes
    } else if (this.tags.size < this.maxTags) {
      this.tags.set(tag, { keys: 1, bytes })
    } else {
      this.untrackedKeys++
    }
  }

  /** Tags by keys, most first. */
  top(n = 10): HashTagFigure[] {
    return [...this.tags]
      .map(([tag, v]) => ({ tag, slot: keySlot(tag), keys: v.keys, bytes: v.bytes }))
      .sort((a, b) => b.keys - a.keys || b.bytes - a.bytes || (a.tag < b.tag ? -1 : 1))
      .slice(0, n)
  }
}

/** One prefix over all nodes, with how much of it each node holds. */
export interface MergedGroup extends KeyGroup {
  /** Per node name: keys and bytes of this prefix there. */
  byNode: Record<string, { keys: number; bytes: number }>
  estimated: boolean
}

/**
 * Merges per-node inventories into one list of prefixes, largest bytes first (keys where the
 * server has no MEMORY USAGE). A prefix spread over the masters adds up; each keeps its per-node split.
 */
export function mergeInventories(byNode: Record<string, Inventory>): MergedGroup[] {
  const merged = new Map<string, MergedGroup>()
  for (const [node, inv] of Object.entries(byNode)) {
    for (const g of inv.groups) {
      const id = `${g.db}\u0000${g.prefix}`
      let m = merged.get(id)
      if (!m) {
        m = { db: g.db, prefix: g.prefix, keys: 0, bytes: 0, byNode: {}, estimated: false }
        merged.set(id, m)
      }
      m.keys += g.keys
      m.bytes += g.bytes
      m.estimated ||= g.estimated
      const here = (m.byNode[node] ??= { keys: 0, bytes: 0 })
      here.keys += g.keys
      here.bytes += g.bytes
    }
  }
  return [...merged.values()].sort((a, b) => b.bytes - a.bytes || b.keys - a.keys || (a.prefix < b.prefix ? -1 : 1))
}
