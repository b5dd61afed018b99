/**
 * The one downsampler, for the report's samples (sampler/sample.ts thinSamples) and the chart's
 * points (render/timeline.ts downsampleMax): the time from the first item to the last is cut into
 * at most `max` equal stretches, so what is kept is spread evenly in time (as Mermaid draws a
 * chart's points), and each caller keeps from every stretch what must survive (the highest value,
 * the first gap). Pure.
 */

export interface Stretch<T> {
  /** The stretch's start, in the unit of `time`. */
  start: number
  /** Its items, in the order given (empty when the items are sparser than the stretches). */
  items: T[]
}

/** The items in at most `max` stretches of equal time; one stretch when they all share one time. */
export function stretches<T>(items: readonly T[], max: number, time: (item: T) => number): Stretch<T>[] {
  if (items.length === 0) return []
  const times = items.map(time)
  let start = Infinity
  let end = -Infinity
  for (const t of times) {
    start = Math.min(start, t)
    end = Math.max(end, t)
  }
  if (end - start <= 0) return [{ start, items: [...items] }]
  const n = Math.max(1, Math.min(max, items.length))
  const width = (end - start) / n
  const out: Stretch<T>[] = Array.from({ length: n }, (_, i) => ({ start: start + i * width, items: [] }))
  items.forEach((item, k) => out[Math.min(n - 1, Math.floor((times[k] - start) / width))].items.push(item))
  return out
}
