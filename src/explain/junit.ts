/**
 * JUnit XML (pytest, jest-junit, mocha's xunit, Ginkgo, go-junit-report, Surefire, node's
 * `--test-reporter=junit`) read into test cases, each with the span of the step's clock it may
 * have run in. Pure: text in, data out (reading the files is the caller's, see junit-files.ts).
 *
 * The XML is read by `saxes`, a maintained streaming parser: linear in the input (an unclosed
 * `<!--` is one pass, not a rescan per tag), attributes read by the XML grammar (so `name="a > b"`
 * is one test), and no entity expansion beyond XML's five and character references (a DOCTYPE's
 * entities are not expanded). A malformed part is skipped with a count; the rest is still read.
 *
 * Where a test ran is never a guess dressed up as a fact. Per suite, the file gives two bounds:
 * - the earliest the suite can have started: its start `timestamp` (pytest takes it before
 *   collection, jest-junit when the test file starts), else its end minus its `time` (mocha's
 *   xunit stamps the end; Ginkgo and Surefire write the file when the suite ends), else the
 *   command's start;
 * - the latest it can have ended: its start plus its `time`, the file's modification time, the
 *   command's end, whichever is earliest.
 * Tests of a suite run one after another in file order, so test k started no earlier than the
 * suite's earliest start plus the tests before it, and no later than the latest end minus it and
 * the tests after it. What the test times leave out (collection, `beforeAll`, gaps) is the width
 * of that span: the uncertainty. When the tests' times add up to more than the suite lasted,
 * they ran in parallel and each may have run anywhere in the suite.
 *
 * A case with a start of its own is placed from it: a `timestamp` attribute, or Ginkgo v2's timeline
 * (the first line of its `system-err`). Top-level elements without a timestamp are chains of their
 * own unless they name their file: node's reporter writes the top-level tests of several files,
 * run in separate processes and possibly at once, side by side without saying which is whose.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes'

/** One test case and the span it may have run in (epoch ms); all null when it could not be placed. */
export interface TestCaseWindow {
  name: string
  classname: string
  /** Names of the enclosing suites, outermost first. */
  suites: string[]
  /** The JUnit file it came from (as given by the caller). */
  file: string
  durationMs: number
  /** The middle of the span its start may lie in; null when it could not be placed. */
  start: number | null
  end: number | null
  /** The earliest and the latest it can have started. */
  earliestStart: number | null
  latestStart: number | null
  /** Half the width of the span its start may lie in: `start` ± this. */
  uncertaintyMs: number | null
  /** Tests of one chain ran one after another (one suite, one worker): two of them never ran at once. */
  chain: string
  /** False when the chain's tests ran in parallel (their times add up to more than the suite lasted). */
  sequential: boolean
  /**
   * Where its start most likely lies, for naming the nearest candidate first (never for naming a test for sure):
   * `start`, except for node's top-level tests, which are each placed on their own: there it is where laying all of
   * them end to end, ending when the run ended, puts it (as they ran when there was one test file, or one at a time).
   */
  likelyStart?: number
}

export interface JUnitNode {
  kind: 'suite' | 'case'
  attrs: Record<string, string>
  children: JUnitNode[]
  /**
   * A case's start as Ginkgo v2 writes it in the timeline of its `system-err` (`> Enter [BeforeEach] … @ 12/07/26
   * 14:23:43.74`), as local ISO text (`2026-12-07T14:23:43.740`); absent otherwise.
   */
  timelineStart?: string
}

/** At most this much of a case's `system-err` is looked at for Ginkgo's first timeline line. */
const TIMELINE_PEEK_CHARS = 2048

/**
 * Ginkgo v2's first timeline line, `> Enter [It] text - file.go:12 @ 01/02/06 15:04:05.999` (Go's time format: the
 * fraction is cut, trailing zeros dropped), → local ISO text to the millisecond; null when the first line is not one.
 * Only the first line counts: the timeline starts with the spec's first node, before anything the spec wrote.
 */
export function ginkgoTimelineStart(systemErr: string): string | null {
  const first = systemErr.replace(/^\s+/, '').split('\n', 1)[0]
  if (!first.startsWith('> Enter [')) return null
  const m = / @ (\d{2})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?\s*$/.exec(first)
  if (!m) return null
  const [, mo, d, y, h, mi, sec, frac] = m
  return `20${y}-${mo}-${d}T${h}:${mi}:${sec}.${(frac ?? '').padEnd(3, '0')}`
}

/** Bounds on what one file may hold, so a hostile or runaway file cannot fill memory. */
export const MAX_CASES = 200_000
const MAX_DEPTH = 64
/** Past this many XML errors the file is given up on: each costs an Error, and a broken file can hold one per few bytes. */
export const MAX_XML_ERRORS = 100

class GivenUp extends Error {}

/**
 * Reads JUnit XML as it streams in: only `testsuite` and `testcase` elements are kept (their
 * attributes); failure text, output and properties are skipped without being stored.
 */
export class JUnitReader {
  private readonly parser = new SaxesParser({ xmlns: false, position: false })
  private readonly roots: JUnitNode[] = []
  private readonly stack: (JUnitNode | null)[] = []
  private cases = 0
  errors = 0
  firstError: string | null = null
  truncated = false
  /** True once MAX_XML_ERRORS were met: the rest of the input is not read. */
  gaveUp = false

  /** The case whose `system-err` is being read (for Ginkgo's timeline), and what was read of it. */
  private peekCase: JUnitNode | null = null
  private peekDepth = -1
  private peeked = ''

  constructor() {
    this.parser.on('opentag', (tag: SaxesTagPlain) => this.open(tag))
    this.parser.on('closetag', () => {
      if (this.peekCase && this.stack.length - 1 === this.peekDepth) {
        const start = ginkgoTimelineStart(this.peeked)
        if (start !== null) this.peekCase.timelineStart = start
        this.peekCase = null
        this.peeked = ''
      }
      this.stack.pop()
    })
    const peek = (text: string): void => {
      if (this.peekCase && this.peeked.length < TIMELINE_PEEK_CHARS) this.peeked += text.slice(0, TIMELINE_PEEK_CHARS - this.peeked.length)
    }
    this.parser.on('text', peek)
    this.parser.on('cdata', peek)
    this.parser.on('error', (err: Error) => {
      this.errors++
      this.firstError ??= err.message.split('\n')[0].slice(0, 200)
      if (this.errors >= MAX_XML_ERRORS) throw new GivenUp()
    })
  }

  private open(tag: SaxesTagPlain): void {
    const kind = tag.name === 'testsuite' ? 'suite' : tag.name === 'testcase' ? 'case' : null
    // A case's own `system-err` (its direct child): Ginkgo v2 writes the spec's timeline there, with times.
    const top = this.stack[this.stack.length - 1]
    if (tag.name === 'system-err' && top?.kind === 'case' && top.timelineStart === undefined && this.peekCase === null) {
      this.peekCase = top
      this.peekDepth = this.stack.length
      this.peeked = ''
    }
    // Elements we do not keep still take a place on the stack, so their close tags pair up.
    if (kind === null || this.stack.length > MAX_DEPTH || (kind === 'case' && this.cases >= MAX_CASES)) {
      if (kind === 'case' && this.cases >= MAX_CASES) this.truncated = true
      this.stack.push(null)
      return
    }
    // A case inside an element we skip (a test case inside a test case) is not one we can place.
    const parent = this.nearestKept()
    if (parent?.kind === 'case') {
      this.stack.push(null)
      return
    }
    const attrs: Record<string, string> = {}
    for (const [k, v] of Object.entries(tag.attributes)) if (typeof v === 'string') attrs[k] = v
    const node: JUnitNode = { kind, attrs, children: [] }
    if (kind === 'case') this.cases++
    if (parent) parent.children.push(node)
    else this.roots.push(node)
    this.stack.push(node)
  }

  private nearestKept(): JUnitNode | null {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const n = this.stack[i]
      if (n) return n
      // Inside a skipped case's children nothing is kept; other skipped wrappers are transparent.
    }
    return null
  }

  write(chunk: string): void {
    if (this.gaveUp) return
    this.guard(() => this.parser.write(chunk))
  }

  /** Ends the input and gives the suites and cases read. */
  close(): JUnitNode[] {
    if (!this.gaveUp) this.guard(() => this.parser.close())
    return this.roots
  }

  private guard(run: () => unknown): void {
    try {
      run()
    } catch (err) {
      if (!(err instanceof GivenUp)) throw err
      this.gaveUp = true
    }
  }
}

/** The suite and case elements of a JUnit document. */
export function parseJUnitTree(xml: string): JUnitNode[] {
  const r = new JUnitReader()
  r.write(xml)
  return r.close()
}

/** Seconds (`time="0.12"`, `time="1,234.5"` from some reporters) → ms; null when absent or not a number. */
function secondsAttr(n: JUnitNode): number | null {
  const raw = (n.attrs.time ?? '').replace(/,/g, '').trim()
  if (raw === '') return null
  const s = Number(raw)
  return Number.isFinite(s) && s >= 0 ? s * 1000 : null
}

/** How finely a `time` value is given (0.001 s → 1 ms), so sums of many carry their rounding. */
function timePrecisionMs(n: JUnitNode): number {
  const m = /\.(\d+)/.exec(n.attrs.time ?? '')
  return m ? Math.min(1000, 10 ** (3 - m[1].length)) : 1000
}

function durationOf(n: JUnitNode): number {
  return secondsAttr(n) ?? (n.kind === 'suite' ? n.children.reduce((sum, c) => sum + durationOf(c), 0) : 0)
}

/** A `timestamp` → epoch ms, what it marks and how finely. Without an offset it is this machine's local time (where the tests ran). */
export function readTimestamp(text: string | undefined): { at: number; marks: 'start' | 'end'; precisionMs: number } | null {
  if (!text) return null
  const at = Date.parse(text)
  if (!Number.isFinite(at)) return null
  // `Mon, 07 Dec 2026 04:30:00 GMT` (Date#toUTCString) is how mocha's xunit reporter stamps the END of the run.
  if (/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text.trim())) return { at, marks: 'end', precisionMs: 1000 }
  const frac = /:\d{2}\.(\d+)/.exec(text)
  return { at, marks: 'start', precisionMs: frac ? Math.max(1, 10 ** (3 - Math.min(3, frac[1].length))) : 1000 }
}

export interface Anchors {
  /** When the file was last written (its modification time): no test of it ended later. */
  endedAt?: number | null
  /** When the command that ran the tests started: no test started earlier. */
  startedAt?: number | null
  /** When that command ended: no test ended later. */
  commandEndedAt?: number | null
}

/** How a file's windows were placed, for saying how exact the mapping is. */
export type Placement = 'test-timestamps' | 'suite-timestamps' | 'durations' | 'none'

export interface JUnitWindows {
  file: string
  cases: TestCaseWindow[]
  placement: Placement
  /** Worst precision of the timestamps used (1000 when they carry whole seconds only). */
  precisionMs: number
  /** Widest uncertainty of a placed case (ms), or null when none was placed. */
  maxUncertaintyMs: number | null
  /** What went wrong or was assumed, in words (malformed XML, a file older than the command). */
  notes: string[]
}

/**
 * How long after a suite ends its reporter may finish writing the file. Used only where the suite's
 * start is found from the file's modification time minus the suite's `time` (no timestamp): the
 * start may then lie this much earlier.
 */
export const WRITE_DELAY_MS = 250

/**
 * pytest's test times include each test's set-up and teardown, so between two tests only pytest's
 * own bookkeeping runs: measured at 3 ms a test on average on a loaded 2-core machine (48 ms at
 * worst for one test), bounded here at 10 ms a test. With that, a test's start is bounded from
 * the suite's end too, however long collection (a slow import) took before the first test.
 */
export const PYTEST_GAP_PER_TEST_MS = 10
/** From pytest's last teardown to the end of its session (`timestamp` + `time`). */
export const PYTEST_TAIL_MS = 100

interface Chain {
  id: string
  /** Test times cover all but a bounded gap between tests (pytest): the span of each is bounded from the end too. */
  gapPerTestMs: number | null
  cases: { node: JUnitNode; suites: string[] }[]
  /** Earliest start and latest end of the chain, where known. */
  lo: number | null
  hi: number | null
  /** Rounding carried by the bounds and by the sum of the test times. */
  precisionMs: number
  /** Whether the bounds came from a timestamp in the file. */
  stamped: boolean
}

/** Test cases of one JUnit document with the spans they may have run in. */
export function junitWindows(xml: string | JUnitNode[], file: string, anchors: Anchors = {}): JUnitWindows {
  const roots = typeof xml === 'string' ? parseJUnitTree(xml) : xml
  const notes: string[] = []
  const fileEnd = minOf([anchors.endedAt, anchors.commandEndedAt])
  const chains: Chain[] = []
  const caseStamped: TestCaseWindow[] = []
  let precisionMs = 0
  let usedSuiteStamps = false

  // Top-level suites (and nested ones with a timestamp of their own) are chains; the rest join their parent's.
  // A file whose only root is one suite was written when that suite ended (the file's time then bounds its start).
  const loneSuite = roots.length === 1 && roots[0].kind === 'suite'
  const visit = (n: JUnitNode, suites: string[], chain: Chain | null): void => {
    if (n.kind === 'case') {
      const own = readTimestamp(n.attrs.timestamp) ?? readTimestamp(n.timelineStart)
      if (own && own.marks === 'start') {
        const d = durationOf(n)
        precisionMs = Math.max(precisionMs, own.precisionMs)
        const w = place(n, suites, file, `${file}#${caseStamped.length}`, own.at, own.at + own.precisionMs, true)
        w.durationMs = d
        caseStamped.push(w)
        return
      }
      if (chain) chain.cases.push({ node: n, suites })
      else {
        const c = newChain(n, suites, null)
        c.cases.push({ node: n, suites })
      }
      return
    }
    const name = n.attrs.name ?? ''
    const stamp = readTimestamp(n.attrs.timestamp)
    const own = chain === null || stamp !== null ? newChain(n, [...suites, name], stamp) : chain
    for (const c of n.children) visit(c, [...suites, name], own)
  }
  let inconsistent = 0
  const newChain = (n: JUnitNode, _suites: string[], given: ReturnType<typeof readTimestamp>): Chain => {
    let stamp = given
    const time = n.kind === 'suite' ? secondsAttr(n) : null
    let lo: number | null = anchors.startedAt ?? null
    let hi: number | null = fileEnd
    let precision = n.kind === 'suite' && time !== null ? timePrecisionMs(n) : 0
    let stamped = false
    // A start stamp after which the suite could not have run its `time` before the file was written is no start
    // (vitest stamps every suite with the time it wrote the file): it is not used.
    if (stamp?.marks === 'start' && time !== null && hi !== null && stamp.at + time > hi + 1000) {
      inconsistent++
      stamp = null
    }
    if (stamp) {
      stamped = true
      usedSuiteStamps = true
      precision = Math.max(precision, stamp.precisionMs)
      precisionMs = Math.max(precisionMs, stamp.precisionMs)
      if (stamp.marks === 'start') {
        lo = maxOf([lo, stamp.at])
        // The stamp is the start rounded down: the end was at most `time` after its last possible instant.
        if (time !== null) hi = minOf([hi, stamp.at + time + stamp.precisionMs + timePrecisionMs(n) / 2])
      } else {
        hi = minOf([hi, stamp.at + stamp.precisionMs])
        // The stamp is the end rounded down: the start was at least `time` before it.
        if (time !== null) lo = maxOf([lo, stamp.at - time - timePrecisionMs(n) / 2])
      }
    }
    if (time !== null && loneSuite && anchors.endedAt != null && stamp?.marks !== 'start') {
      // The only suite of a file written when it ended: it started `time` before the file was written, give or take the writing
      // (unless the file was touched later: then the bound would pass its end, and is not used).
      const fromFile = anchors.endedAt - time - WRITE_DELAY_MS - precision
      if (hi === null || fromFile <= hi) lo = maxOf([lo, fromFile])
    }
    const pytest = n.kind === 'suite' && n.attrs.name === 'pytest' && stamp?.marks === 'start' && time !== null
    const c: Chain = { id: `${file}#${chains.length}`, gapPerTestMs: pytest ? PYTEST_GAP_PER_TEST_MS : null, cases: [], lo, hi, precisionMs: precision, stamped }
    chains.push(c)
    return c
  }
  // Roots that name their test file (a `file` attribute) share one chain per file: one file's tests run one after
  // another. Roots that do not are each a chain of their own: node's reporter writes the top-level tests of every
  // file it ran side by side without saying which file each came from, and runs the files in separate processes,
  // at once when its concurrency allows, so a top-level test may have run alongside any other.
  const perFile = new Map<string, Chain>()
  const loose = new Set<Chain>()
  if (loneSuite) visit(roots[0], [], null)
  else {
    for (const r of roots) {
      const source = sourceFileOf(r)
      if (source !== null) {
        let c = perFile.get(source)
        if (!c) {
          c = newChain({ kind: 'case', attrs: {}, children: [] }, [], null)
          perFile.set(source, c)
        }
        visit(r, [], c)
      } else {
        const before = chains.length
        visit(r, [], null)
        // The chain this root opened when it has no timestamp of its own (a stamped suite places itself).
        if (chains.length > before && !chains[before].stamped) loose.add(chains[before])
      }
    }
  }

  const cases: TestCaseWindow[] = [...caseStamped]
  let unplaced = 0
  for (const chain of chains) {
    if (chain.cases.length === 0) continue
    const durations = chain.cases.map((c) => durationOf(c.node))
    const total = durations.reduce((a, b) => a + b, 0)
    // Each test time is rounded: their sum may be off by half a unit each.
    const rounding = chain.cases.reduce((s, c) => s + timePrecisionMs(c.node) / 2, 0)
    if (chain.lo === null || chain.hi === null || chain.hi < chain.lo) {
      for (let i = 0; i < chain.cases.length; i++) cases.push(unplacedWindow(chain.cases[i], file, chain.id, durations[i]))
      unplaced += chain.cases.length
      continue
    }
    const lo = chain.lo
    const hi = chain.hi
    const sequential = total <= hi - lo + rounding
    let before = 0
    for (let i = 0; i < chain.cases.length; i++) {
      const d = durations[i]
      const after = total - before
      let earliest = sequential ? lo + before - rounding : lo
      // Where the gaps between tests are bounded, the time before the first test (collection) cannot widen the rest.
      if (sequential && chain.gapPerTestMs !== null) earliest = Math.max(earliest, hi - after - rounding - PYTEST_TAIL_MS - (chain.cases.length - i) * chain.gapPerTestMs)
      const latest = sequential ? hi - after + rounding : Math.max(lo, hi - d)
      const w = place(chain.cases[i].node, chain.cases[i].suites, file, chain.id, Math.min(earliest, latest), Math.max(earliest, latest), sequential)
      w.durationMs = d
      cases.push(w)
      before += d
    }
  }
  const looseUsed = [...loose].filter((c) => c.cases.length > 0)
  if (looseUsed.length > 1) {
    const placedLoose = looseUsed.filter((c) => c.lo !== null && c.hi !== null && c.hi >= c.lo)
    const sum = placedLoose.reduce((s, c) => s + c.cases.reduce((t, x) => t + durationOf(x.node), 0), 0)
    const span = placedLoose.length > 0 ? placedLoose.reduce((m, c) => Math.max(m, (c.hi ?? 0) - (c.lo ?? 0)), 0) : null
    const atOnce = span !== null && sum > span ? ` Their test times add up to more than the run lasted, so some of them ran at once.` : ''
    notes.push(
      `${file} does not say which test file each of its ${looseUsed.length} top-level tests and suites came from (node's reporter runs each file in its own process, several at once when its concurrency allows), so each was placed on its own between the command's start and end, and a time is given to one of them for sure only when no other may have been running.${atOnce}`
    )
  }
  if (looseUsed.length > 1) {
    const ids = new Set(looseUsed.map((c) => c.id))
    // In file order: the chains were opened root by root, and each chain's cases were placed in order.
    layEndToEnd(cases.filter((w) => ids.has(w.chain)))
  }
  if (inconsistent > 0) notes.push(`${inconsistent} suite timestamp${inconsistent === 1 ? '' : 's'} in ${file} cannot be when the suite started (the suite could not have run its time before the file was written), so ${inconsistent === 1 ? 'it was' : 'they were'} not used.`)
  if (unplaced > 0) notes.push(`${unplaced} test${unplaced === 1 ? '' : 's'} in ${file} could not be placed in time (no timestamp, and the command's start or the file's time is not known).`)
  const placedAny = cases.some((c) => c.start !== null)
  const placement: Placement = !placedAny ? 'none' : caseStamped.length > 0 ? 'test-timestamps' : usedSuiteStamps ? 'suite-timestamps' : 'durations'
  const widths = cases.map((c) => c.uncertaintyMs).filter((u): u is number => u !== null)
  return { file, cases, placement, precisionMs, maxUncertaintyMs: widths.length > 0 ? Math.max(...widths) : null, notes }
}

/**
 * Sets `likelyStart` of windows placed each on its own (node's top-level tests) to where they lie when laid end to
 * end in file order, the last ending when the run did; kept inside each window's own span.
 */
function layEndToEnd(windows: TestCaseWindow[]): void {
  const placed = windows.filter((w) => w.earliestStart !== null && w.latestStart !== null)
  if (placed.length < 2) return
  // Loops, not Math.min(...list): a file may hold 200,000 of them.
  let lo = Infinity
  let hi = -Infinity
  let total = 0
  for (const w of placed) {
    lo = Math.min(lo, w.earliestStart ?? lo)
    hi = Math.max(hi, (w.latestStart ?? hi) + w.durationMs)
    total += w.durationMs
  }
  // Ending when the run ended: node's start-up (and a file's imports) come before its first test, and little runs
  // after its last one. When they cannot all fit one after another (some ran at once) the layout is squeezed into the run.
  const scale = total > hi - lo ? (hi - lo) / total : 1
  let after = total
  for (const w of placed) {
    const at = hi - after * scale
    w.likelyStart = Math.round(Math.min(Math.max(at, w.earliestStart ?? at), w.latestStart ?? at))
    after -= w.durationMs
  }
}

/** The test file a root suite or case names (its own `file` attribute, else its first test case's), or null. */
function sourceFileOf(n: JUnitNode): string | null {
  const own = n.attrs.file?.trim()
  if (own) return own
  for (const c of n.children) {
    const f = sourceFileOf(c)
    if (f !== null) return f
  }
  return null
}

function place(n: JUnitNode, suites: string[], file: string, chain: string, earliest: number, latest: number, sequential: boolean): TestCaseWindow {
  const d = durationOf(n)
  const mid = (earliest + latest) / 2
  return {
    name: n.attrs.name ?? '',
    classname: n.attrs.classname ?? '',
    suites,
    file,
    durationMs: d,
    start: Math.round(mid),
    end: Math.round(mid + d),
    earliestStart: Math.round(earliest),
    latestStart: Math.round(latest),
    uncertaintyMs: Math.round((latest - earliest) / 2),
    chain,
    sequential
  }
}

function unplacedWindow(c: { node: JUnitNode; suites: string[] }, file: string, chain: string, d: number): TestCaseWindow {
  return {
    name: c.node.attrs.name ?? '',
    classname: c.node.attrs.classname ?? '',
    suites: c.suites,
    file,
    durationMs: d,
    start: null,
    end: null,
    earliestStart: null,
    latestStart: null,
    uncertaintyMs: null,
    chain,
    sequential: true
  }
}

function minOf(values: (number | null | undefined)[]): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
  return v.length > 0 ? Math.min(...v) : null
}

function maxOf(values: (number | null | undefined)[]): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
  return v.length > 0 ? Math.max(...v) : null
}
