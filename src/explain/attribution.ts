/**
 * Which test was running at a time: a leaked key's birth, the first OOM, the steepest growth. Pure.
 *
 * A time is itself a span: a key's tracking push reaches the guard a little after the write
 * (`EVENT_LAG_MS`), and a sampled event (the OOM counter grew) happened somewhere between two
 * samples. A test is named `exact` only when that whole span lies inside the part of the test's
 * window that is certain whatever its uncertainty, and no test of another chain (another
 * worker, another file without timestamps) may have been running then. Otherwise the tests that
 * may have been running are the candidates, nearest first (each placed as late as it can have run).
 */
import type { JUnitWindows, TestCaseWindow } from './junit.js'

/** How long a keyspace event may take from the write to the guard's clock (the guard's event loop included). */
export const EVENT_LAG_MS = 50

export type Exactness = 'exact' | 'candidates' | 'none'

export interface TimeAttribution {
  exactness: Exactness
  /** The test, when exact; else the nearest candidate (or null when none). */
  test: TestCaseWindow | null
  /** Every test that may have been running (the exact test alone when exact). */
  candidates: TestCaseWindow[]
}

type Placed = TestCaseWindow & { earliestStart: number; latestStart: number; start: number }

function placed(windows: JUnitWindows[]): Placed[] {
  return windows.flatMap((w) => w.cases).filter((c): c is Placed => c.earliestStart !== null && c.latestStart !== null && c.start !== null)
}

/** Tests placed in time, from all files. */
export class TestTimeline {
  readonly cases: Placed[]

  constructor(readonly windows: JUnitWindows[]) {
    this.cases = placed(windows)
  }

  get empty(): boolean {
    return this.cases.length === 0
  }

  /** The test(s) running somewhere in [from, to] (epoch ms). */
  at(from: number, to: number = from): TimeAttribution {
    const a = Math.min(from, to)
    const b = Math.max(from, to)
    const possible = this.cases.filter((c) => c.earliestStart <= b && a <= c.latestStart + c.durationMs)
    if (possible.length === 0) return { exactness: 'none', test: null, candidates: [] }
    const certain = possible.filter((c) => c.sequential && c.latestStart <= a && b <= c.earliestStart + c.durationMs)
    if (certain.length === 1) {
      const t = certain[0]
      // Tests of its own chain cannot have run at the same time; any other chain's could.
      if (possible.every((c) => c === t || c.chain === t.chain)) return { exactness: 'exact', test: t, candidates: [t] }
    }
    // Nearest first, each test placed where it most likely ran: as late as it can have run (what
    // the test times leave out of a chain is mostly before its first test: the runner's start-up,
    // imports, collection, a slow beforeAll; a busy machine makes that part longer), or, for
    // tests placed each on its own (node's top-level tests), where laying them end to end up to
    // the run's end puts them (`likelyStart`). The middle of the span (`start`) put every window
    // of a slow-starting run too early, ranking the test before the right one first.
    const likely = (c: Placed): number => c.likelyStart ?? c.latestStart
    const distance = (c: Placed): number => Math.max(0, likely(c) - b, a - (likely(c) + c.durationMs))
    const mid = (a + b) / 2
    const centre = (c: Placed): number => Math.abs(mid - (likely(c) + c.durationMs / 2))
    const sorted = [...possible].sort((x, y) => distance(x) - distance(y) || centre(x) - centre(y))
    // In one chain the tests that may have run are consecutive: keep them in the order they ran.
    return { exactness: 'candidates', test: sorted[0], candidates: sorted }
  }

  /** A key's tracking push seen at `t`: the write was at most `lagMs` (the recorder's bound, at least EVENT_LAG_MS) earlier. */
  keyBorn(t: number, lagMs: number = EVENT_LAG_MS): TimeAttribution {
    return this.at(t - Math.max(lagMs, EVENT_LAG_MS), t)
  }

  /** Tests whose window may overlap [from, to], with the share of the span each certainly covers (0 when unsure). */
  overlapping(from: number, to: number): Placed[] {
    return this.cases.filter((c) => c.earliestStart <= to && from <= c.latestStart + c.durationMs)
  }
}

/** The test's full name as a reader searches for it: file or module, class, suites and name, without repeats. */
export function fullTestName(t: { name: string; classname: string; suites: string[] }): string {
  const parts: string[] = []
  const add = (p: string): void => {
    const s = p.trim()
    if (s === '' || parts.includes(s)) return
    // jest-junit's classname is "suite name"; pytest's "pkg.module.Class": keep what adds something.
    if (parts.some((q) => q.endsWith(s) || s === t.name)) return
    parts.push(s)
  }
  for (const s of t.suites) if (!/^(pytest|Mocha Tests|jest tests)$/i.test(s)) add(s)
  if (t.classname && !parts.some((p) => p.includes(t.classname)) && !t.name.startsWith(t.classname)) add(t.classname)
  const name = t.name.trim()
  return [...parts, name].filter(Boolean).join(' › ') || '(unnamed test)'
}

/** One sentence on what the placement rests on and how wide it is. */
export function placementSentence(windows: JUnitWindows[]): string {
  const kinds = new Set(windows.map((w) => w.placement))
  const basis: string[] = []
  if (kinds.has('test-timestamps')) basis.push('the start time of each test')
  if (kinds.has('suite-timestamps')) basis.push("each suite's timestamp and time, with the test times laid one after another inside it")
  if (kinds.has('durations')) basis.push("the test times laid one after another between the command's start and when the file was written")
  if (basis.length === 0) return 'No test could be placed in time: the JUnit files carry no timestamps and the command’s start or end is not known.'
  const widths = windows.map((w) => w.maxUncertaintyMs).filter((u): u is number => u !== null)
  const widest = widths.length > 0 ? Math.max(...widths) : 0
  const parallel = windows.some((w) => w.cases.some((c) => !c.sequential && c.start !== null))
  return [
    `Tests are placed on the step's clock from ${basis.join('; ')}.`,
    `Time outside the test times (collection, imports, set-up hooks, gaps) makes each test's start uncertain by up to ±${formatMs(widest)};`,
    `a test is named as certain only when the time falls inside it by more than that, otherwise every test that may have been running is named.`,
    parallel ? 'Some tests ran in parallel (their times add up to more than their suite lasted), so none of them is named as certain.' : ''
  ]
    .filter(Boolean)
    .join(' ')
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}
