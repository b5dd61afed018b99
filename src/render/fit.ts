/** Keeps rendered text under a size limit by shortening, then dropping, the least important parts. Pure. */

export interface Part {
  text: string
  /** 0-100; 100 is never dropped. Lower goes first. */
  importance: number
  /** Tried before the part is dropped. */
  short?: string
  /** What the part is, for the notice, e.g. "MEMORY DOCTOR's text". */
  label: string
}

export type Measure = (text: string) => number

/** JavaScript string length counts UTF-16 units, never fewer than GitHub's characters: a safe measure for comments. */
export const measureChars: Measure = (text) => text.length
/** The job summary's limit is in bytes. */
export const measureBytes: Measure = (text) => Buffer.byteLength(text, 'utf8')

export interface FitResult {
  text: string
  /** Labels of the parts that were shortened or left out; empty when everything fit. */
  shortened: string[]
  omitted: string[]
}

/**
 * Joins the parts with blank lines. When that exceeds `limit`, parts are first replaced by their
 * short form and then dropped, least important (and, at equal importance, last) first; `notice`
 * is added at the end to say so. As a last resort the text is cut at a line, with any open code
 * fence or `<details>` closed, so the markdown stays well formed.
 */
export function fitParts(
  parts: Part[],
  limit: number,
  measure: Measure,
  notice: (shortened: string[], omitted: string[]) => string
): FitResult {
  const current = parts.map((p) => ({ ...p, state: 'full' as 'full' | 'short' | 'dropped' }))
  const join = (withNotice: boolean): string => {
    const texts = current.filter((p) => p.state !== 'dropped').map((p) => (p.state === 'short' ? (p.short ?? p.text) : p.text))
    const shortened = current.filter((p) => p.state === 'short').map((p) => p.label)
    const omitted = current.filter((p) => p.state === 'dropped').map((p) => p.label)
    if (withNotice) texts.push(notice(shortened, omitted))
    return texts.join('\n\n') + '\n'
  }
  const result = (text: string): FitResult => ({
    text,
    shortened: current.filter((p) => p.state === 'short').map((p) => p.label),
    omitted: current.filter((p) => p.state === 'dropped').map((p) => p.label)
  })

  const whole = join(false)
  if (measure(whole) <= limit) return result(whole)

  const order = current
    .map((p, index) => ({ p, index }))
    .sort((a, b) => a.p.importance - b.p.importance || b.index - a.index)
    .map((x) => x.p)
  const fits = (): boolean => measure(join(true)) <= limit
  let done = false
  for (const p of order) {
    if (p.short === undefined || p.importance >= 100) continue
    p.state = 'short'
    if ((done = fits())) break
  }
  if (!done) {
    for (const p of order) {
      if (p.importance >= 100) continue
      p.state = 'dropped'
      if ((done = fits())) break
    }
  }
  if (done) {
    // Dropping one big part may have made room for smaller, less important ones dropped before it: put them back.
    for (const p of [...order].reverse()) {
      const before = p.state
      if (before === 'dropped' && p.short !== undefined) {
        p.state = 'short'
        if (!fits()) p.state = before
      }
      if (p.state !== 'full') {
        const prev = p.state
        p.state = 'full'
        if (!fits()) p.state = prev
      }
    }
    return result(join(true))
  }
  // Even the parts that are never dropped are too long (e.g. a huge error text): cut at a line.
  const tail = '\n\n' + notice(result('').shortened, [...result('').omitted, 'the rest of the text']) + '\n'
  return result(cutAtLine(join(false), limit - measure(tail) - 32, measure) + tail)
}

/** The longest prefix that ends at a line and fits, with open fences and `<details>` closed. */
export function cutAtLine(text: string, budget: number, measure: Measure): string {
  const lines = text.split('\n')
  let out: string[] = []
  let size = 0
  for (const line of lines) {
    const next = size + measure(line) + 1
    if (next > budget) break
    out.push(line)
    size = next
  }
  if (out.length === 0) {
    // A single line longer than the budget: cut inside it.
    let cutText = ''
    for (const ch of text) {
      if (measure(cutText + ch) > budget) break
      cutText += ch
    }
    out = [cutText]
  }
  const fence = openFence(out)
  if (fence) out.push(fence)
  const opened = out.filter((l) => l.includes('<details')).length - out.filter((l) => l.includes('</details>')).length
  for (let i = 0; i < opened; i++) out.push('', '</details>')
  return out.join('\n')
}

/** The fence that is still open at the end of `lines`, if any. */
function openFence(lines: string[]): string | null {
  let open: string | null = null
  for (const line of lines) {
    const m = /^(`{3,}|~{3,})/.exec(line)
    if (!m) continue
    if (open === null) open = m[1]
    else if (m[1][0] === open[0] && m[1].length >= open.length && line.trim() === m[1]) open = null
  }
  return open
}
