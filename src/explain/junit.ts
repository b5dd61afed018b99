/**
 * JUnit XML (jest-junit, mocha, ginkgo, go-junit-report, pytest, node's `--test-reporter=junit`)
 * read into test cases with a time window each, and new keys' first-seen times mapped to the test
 * case that was running. Pure: text in, data out (reading the files is the caller's).
 *
 * All of them write `<testsuite>` (maybe nested, maybe inside `<testsuites>`) holding
 * `<testcase name= classname= time=>`. Placement in time, best first:
 * - a `timestamp` on the test case or its suite: the suite's start, its cases one after another;
 * - none (node's reporter): the cases laid back to back, backwards from when the run ended (the
 *   file's modification time), or forwards from when the command started.
 * Sums of test times leave out hooks and the gaps between tests, and tests that ran in parallel
 * overlap: the mapping says how exact it is rather than pretend.
 */

/** One test case and when it ran (epoch ms); start/end null when it could not be placed. */
export interface TestCaseWindow {
  name: string
  classname: string
  /** Names of the enclosing suites, outermost first. */
  suites: string[]
  /** The JUnit file it came from (as given by the caller). */
  file: string
  durationMs: number
  start: number | null
  end: number | null
}

interface Node {
  kind: 'suite' | 'case'
  attrs: Record<string, string>
  children: Node[]
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return ENTITIES[e.toLowerCase()] ?? whole
  })
}

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const re = /([\w:.-]+)\s*=\s*("([^"]*)"|'([^']*)')/g
  for (let m = re.exec(text); m; m = re.exec(text)) out[m[1]] = decode(m[3] ?? m[4] ?? '')
  return out
}

/**
 * Reads the suite and case elements of a JUnit file. A tolerant scanner, not a full XML parser:
 * it reads the tags it needs and skips comments, CDATA (failure output) and everything else.
 */
export function parseJUnitTree(xml: string): Node[] {
  const roots: Node[] = []
  const stack: Node[] = []
  const add = (n: Node): void => {
    const parent = stack[stack.length - 1]
    if (parent) parent.children.push(n)
    else roots.push(n)
  }
  const re = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)(testsuites|testsuite|testcase)\b([^>]*?)(\/?)>/g
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    if (m[2] === undefined) continue // comment or CDATA
    const [, closing, tag, attrText, selfClosing] = m
    if (tag === 'testsuites') continue
    if (closing) {
      // Pop to the matching element; a stray close tag is ignored.
      const kind = tag === 'testsuite' ? 'suite' : 'case'
      const at = stack.map((n) => n.kind).lastIndexOf(kind)
      if (at >= 0) stack.length = at
      continue
    }
    const node: Node = { kind: tag === 'testsuite' ? 'suite' : 'case', attrs: attributes(attrText), children: [] }
    add(node)
    if (!selfClosing) stack.push(node)
  }
  return roots
}

/** Seconds (`time="0.12"`, `time="1,234.5"` from some reporters) → ms; 0 when absent. */
function durationOf(n: Node): number {
  const raw = (n.attrs.time ?? '').replace(/,/g, '')
  const s = Number(raw)
  if (raw !== '' && Number.isFinite(s) && s >= 0) return s * 1000
  // A suite without time lasts as long as its children.
  return n.kind === 'suite' ? n.children.reduce((sum, c) => sum + durationOf(c), 0) : 0
}

/** A `timestamp` attribute → epoch ms. Without an offset it is the local time of the machine that ran the tests (this one). */
function timestampOf(n: Node): number | null {
  const t = n.attrs.timestamp
  if (!t) return null
  const ms = Date.parse(t)
  return Number.isFinite(ms) ? ms : null
}

/** How the windows were placed, for saying how exact the mapping is. */
export type Placement = 'timestamps' | 'from-end' | 'from-start' | 'none'

export interface JUnitWindows {
  cases: TestCaseWindow[]
  placement: Placement
  /** Worst precision of the timestamps used (1000 when they carry whole seconds only). */
  precisionMs: number
}

export interface Anchors {
  /** When the run ended (the file's modification time). */
  endedAt?: number | null
  /** When the command that ran the tests started. */
  startedAt?: number | null
}

/** Test cases of one JUnit file with their time windows. */
export function junitWindows(xml: string, file: string, anchors: Anchors = {}): JUnitWindows {
  const roots = parseJUnitTree(xml)
  const cases: TestCaseWindow[] = []
  let precisionMs = 0
  let usedTimestamps = false

  const caseWindow = (n: Node, suites: string[], start: number | null): TestCaseWindow => {
    const dur = durationOf(n)
    return { name: n.attrs.name ?? '', classname: n.attrs.classname ?? '', suites, file, durationMs: dur, start, end: start === null ? null : start + dur }
  }
  const noteTimestamp = (n: Node): void => {
    usedTimestamps = true
    precisionMs = Math.max(precisionMs, /[T ]\d{2}:\d{2}:\d{2}\.\d/.test(n.attrs.timestamp ?? '') ? 1 : 1000)
  }
  /** Lays nodes one after another from `start`; a node's own timestamp wins. */
  const forward = (nodes: Node[], suites: string[], start: number | null): void => {
    let cursor = start
    for (const n of nodes) {
      const own = timestampOf(n)
      if (own !== null) noteTimestamp(n)
      const at = own ?? cursor
      if (n.kind === 'case') cases.push(caseWindow(n, suites, at))
      else forward(n.children, [...suites, n.attrs.name ?? ''], at)
      cursor = at === null ? null : at + durationOf(n)
    }
  }
  /** Lays nodes back to back so that the last ends at `end`. */
  const backward = (nodes: Node[], suites: string[], end: number): void => {
    let cursor = end
    const placed: [Node, number][] = []
    for (let i = nodes.length - 1; i >= 0; i--) {
      cursor -= durationOf(nodes[i])
      placed.unshift([nodes[i], cursor])
    }
    for (const [n, at] of placed) {
      if (n.kind === 'case') cases.push(caseWindow(n, suites, at))
      else forward(n.children, [...suites, n.attrs.name ?? ''], at)
    }
  }

  const timed = roots.some((n) => timestampOf(n) !== null)
  let placement: Placement
  if (timed) {
    placement = 'timestamps'
    forward(roots, [], null)
  } else if (anchors.endedAt != null) {
    placement = 'from-end'
    backward(roots, [], anchors.endedAt)
  } else if (anchors.startedAt != null) {
    placement = 'from-start'
    forward(roots, [], anchors.startedAt)
  } else {
    placement = 'none'
    forward(roots, [], null)
  }
  if (placement === 'timestamps' && !usedTimestamps) placement = 'none'
  return { cases, placement, precisionMs }
}

/** How sure an attribution is. */
export type Exactness = 'one-test' | 'several-tests' | 'nearest-test' | 'none'

export interface KeyAttribution {
  db: number
  /** Byte string, as the key analysis keeps names. */
  key: string
  firstSeen: number
  test: TestCaseWindow | null
  exactness: Exactness
  /** Other tests that were running then (parallel runs or overlapping windows). */
  alsoRunning: TestCaseWindow[]
}

export interface TestsThatLeftKeys {
  tests: { test: TestCaseWindow; keys: KeyAttribution[] }[]
  /** Keys whose time fell in no test. */
  unattributed: KeyAttribution[]
  /** One sentence on how exact this is. */
  exactness: string
}

/** Slack around each window: how far placement may be off besides timestamp precision. */
export const WINDOW_SLACK_MS = 50

/** Maps first-seen times to the test cases running then. */
export function attributeKeys(keys: { db: number; key: string; firstSeen: number }[], windows: JUnitWindows[]): TestsThatLeftKeys {
  const placed = windows.flatMap((w) => w.cases).filter((c): c is TestCaseWindow & { start: number; end: number } => c.start !== null && c.end !== null)
  const precision = Math.max(0, ...windows.map((w) => w.precisionMs))
  const slack = precision + WINDOW_SLACK_MS
  const byTest = new Map<TestCaseWindow, KeyAttribution[]>()
  const unattributed: KeyAttribution[] = []
  let ambiguous = 0
  for (const k of keys) {
    const strict = placed.filter((c) => k.firstSeen >= c.start && k.firstSeen <= c.end)
    const loose = strict.length > 0 ? strict : placed.filter((c) => k.firstSeen >= c.start - slack && k.firstSeen <= c.end + slack)
    let a: KeyAttribution
    if (loose.length === 0) {
      a = { ...k, test: null, exactness: 'none', alsoRunning: [] }
      unattributed.push(a)
      continue
    }
    // Several candidates: the one whose middle is nearest; say that others ran too.
    const mid = (c: { start: number; end: number }): number => Math.abs(k.firstSeen - (c.start + c.end) / 2)
    const sorted = [...loose].sort((x, y) => mid(x) - mid(y))
    a = { ...k, test: sorted[0], exactness: loose.length > 1 ? 'several-tests' : strict.length === 1 ? 'one-test' : 'nearest-test', alsoRunning: sorted.slice(1) }
    if (loose.length > 1) ambiguous++
    const list = byTest.get(sorted[0]) ?? []
    list.push(a)
    byTest.set(sorted[0], list)
  }
  const placements = new Set(windows.map((w) => w.placement))
  const basis = placements.has('timestamps')
    ? `suite timestamps (${precision >= 1000 ? 'whole seconds' : 'milliseconds'}) plus the test times before each test`
    : placements.has('from-end')
      ? 'test times laid back to back from when the JUnit file was written (hooks and gaps between tests are not in them)'
      : placements.has('from-start')
        ? 'test times laid back to back from when the command started (hooks and gaps between tests are not in them)'
        : 'nothing: the JUnit files carry no timestamps and no start or end was known'
  const overlap = overlaps(placed)
  const parts = [`Times of tests come from ${basis}.`]
  if (overlap) parts.push('Tests ran in parallel (their windows overlap), so a key may belong to another test that ran at the same time.')
  if (ambiguous > 0) parts.push(`${ambiguous} key${ambiguous === 1 ? '' : 's'} fell where several tests were running.`)
  // In the order the tests ran.
  const tests = [...byTest.entries()].map(([test, keys]) => ({ test, keys })).sort((a, b) => (a.test.start ?? 0) - (b.test.start ?? 0))
  return { tests, unattributed, exactness: parts.join(' ') }
}

function overlaps(cases: { start: number; end: number }[]): boolean {
  const sorted = [...cases].sort((a, b) => a.start - b.start)
  // A millisecond of rounding between back-to-back tests is no overlap.
  for (let i = 1; i < sorted.length; i++) if (sorted[i].start < sorted[i - 1].end - 1) return true
  return false
}
