/** JUnit XML of the common reporters read into test windows, and first-seen times mapped to the test running then. */
import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ginkgoTimelineStart, junitWindows, parseJUnitTree } from '../src/explain/junit.js'
import { TestTimeline } from '../src/explain/attribution.js'
import { findJUnitFiles, parseJUnitReportInput, pathGlobToRegExp, readJUnitFiles } from '../src/explain/junit-files.js'
import { UserError } from '../src/core/errors.js'

// The shapes each reporter writes (trimmed to the elements and attributes that matter).
const JEST_JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="3" failures="1" time="2.5">
  <testsuite name="imports" errors="0" failures="1" skipped="0" timestamp="2026-03-01T10:00:00" time="1.5" tests="2">
    <testcase classname="imports writes a batch" name="imports writes a batch" time="1.0">
      <failure><![CDATA[Error: <testcase name="fake"> in output & more]]></failure>
    </testcase>
    <testcase classname="imports reads it back" name="imports reads it back" time="0.5"/>
  </testsuite>
  <testsuite name="mail" timestamp="2026-03-01T10:00:02" time="1.0" tests="1">
    <testcase classname="mail sends" name="sends &amp; retries" time="1.0"/>
  </testsuite>
</testsuites>`

const PYTEST = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="2" time="0.300" timestamp="2026-03-01T10:00:00.250000" hostname="ci"><testcase classname="tests.test_cache" name="test_set" time="0.100" /><testcase classname="tests.test_cache" name="test_get" time="0.200" /></testsuite></testsuites>`

const GO_JUNIT = `<testsuites tests="2"><testsuite tests="2" failures="0" time="1.200" name="example.com/cache" timestamp="2026-03-01T10:00:00Z"><properties><property name="go.version" value="go1.22"></property></properties><testcase classname="cache" name="TestSet" time="0.700"></testcase><testcase classname="cache" name="TestGet" time="0.500"></testcase></testsuite></testsuites>`

const NODE = `<?xml version="1.0" encoding="utf-8"?>
<testsuites>
\t<testsuite name="imports" time="0.202793" disabled="0" errors="0" tests="2" failures="0" skipped="0" hostname="vm">
\t\t<testcase name="writes a batch" time="0.121311" classname="test"/>
\t\t<testcase name="reads it back" time="0.080168" classname="test"/>
\t</testsuite>
\t<testcase name="top level" time="0.000140" classname="test"/>
\t<!-- duration_ms 520.811529 -->
</testsuites>`

// `node --test --test-reporter=junit a.test.mjs b.test.mjs` (Node 20): each file's top-level tests side by side, no word of which file.
const NODE_TWO_FILES = `<?xml version="1.0" encoding="utf-8"?>
<testsuites>
\t<testsuite name="file a" time="0.515739" disabled="0" errors="0" tests="2" failures="0" skipped="0" hostname="vm">
\t\t<testcase name="a1" time="0.304235" classname="test"/>
\t\t<testcase name="a2" time="0.204566" classname="test"/>
\t</testsuite>
\t<testcase name="a top" time="0.100795" classname="test"/>
\t<testcase name="b1" time="0.352569" classname="test"/>
\t<testcase name="b2" time="0.208776" classname="test"/>
\t<!-- tests 5 -->
\t<!-- duration_ms 2641.047844 -->
</testsuites>`

const at = (iso: string): number => Date.parse(iso)

describe('parsing', () => {
  it('reads suites and cases, skipping failure output that looks like tags, and decodes entities', () => {
    const tree = parseJUnitTree(JEST_JUNIT)
    expect(tree.map((s) => s.attrs.name)).toEqual(['imports', 'mail'])
    expect(tree[0].children.map((c) => c.attrs.name)).toEqual(['imports writes a batch', 'imports reads it back'])
    expect(tree[1].children[0].attrs.name).toBe('sends & retries')
  })

  it('keeps a test whose name holds ">" and does not nest the next one inside it', () => {
    const xml = '<testsuite name="cmp" time="1"><testcase name="returns a > b" time="0.5"/><testcase name="returns b &lt; c" time="0.5"/></testsuite>'
    const tree = parseJUnitTree(xml)
    expect(tree[0].children.map((c) => [c.kind, c.attrs.name, c.children.length])).toEqual([
      ['case', 'returns a > b', 0],
      ['case', 'returns b < c', 0]
    ])
  })

  it('reads the start of a Ginkgo v2 spec from the first line of its timeline only, to the millisecond', () => {
    // Go's "01/02/06 15:04:05.999": the fraction loses its trailing zeros, or the dot too.
    expect(ginkgoTimelineStart('> Enter [BeforeEach] Cache - suite_test.go:44 @ 12/07/26 14:29:07.08\n< Exit [BeforeEach]')).toBe('2026-12-07T14:29:07.080')
    expect(ginkgoTimelineStart('\n> Enter [It] a @ b - suite_test.go:9 @ 01/02/26 03:04:05\n')).toBe('2026-01-02T03:04:05.000')
    // What a spec printed is not its timeline's start, even when it looks like one further down.
    expect(ginkgoTimelineStart('some output\n> Enter [It] x - s.go:1 @ 12/07/26 14:29:07.085')).toBeNull()
    const xml = `<testsuite name="S" timestamp="2026-12-07T14:29:05" time="2"><testcase name="[It] a" time="0.5"><system-out>&gt; Enter [It] fake - s.go:1 @ 12/07/26 10:00:00.000</system-out><system-err>&gt; Enter [It] a - s.go:3 @ 12/07/26 14:29:05.500&#xA;&lt; Exit [It] a - s.go:3 @ 12/07/26 14:29:06.000 (500ms)</system-err></testcase><testcase name="[It] b" time="0.5"><failure><system-err>&gt; Enter [It] b - s.go:9 @ 12/07/26 09:00:00</system-err></failure></testcase></testsuite>`
    const [spec, other] = parseJUnitTree(xml)[0].children
    expect(spec.timelineStart).toBe('2026-12-07T14:29:05.500')
    // Only a case's own system-err counts, not one inside its failure text.
    expect(other.timelineStart).toBeUndefined()
    const w = junitWindows(xml, 'g.xml')
    expect(w.placement).toBe('test-timestamps')
    expect(w.cases[0].earliestStart).toBe(at('2026-12-07T14:29:05.500'))
    expect(w.cases[0].uncertaintyMs).toBeLessThanOrEqual(1)
  })

  it('does not expand entities a DOCTYPE defines', () => {
    const xml = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><testsuite name="s"><testcase name="&b;" time="1"/></testsuite>'
    const tree = parseJUnitTree(xml)
    expect(tree[0].children[0].attrs.name ?? '').not.toContain('aaaaaaaaaa')
  })

  it('reads what it can of a file that is not well-formed, and reads an unclosed comment through once', () => {
    const xml = '<testsuite name="s"><testcase name="kept" time="1"/><testcase name="x" time="1"></testsuite>' + '<!--'.repeat(250_000)
    const tree = parseJUnitTree(xml)
    expect(tree[0].children.map((c) => c.attrs.name)).toEqual(['kept', 'x'])
  })
})

describe('placing tests on the clock', () => {
  it('places jest-junit cases between their suite\'s timestamp and its end, with the hooks\' time as the uncertainty', () => {
    const w = junitWindows(JEST_JUNIT, 'junit.xml')
    expect(w.placement).toBe('suite-timestamps')
    expect(w.precisionMs).toBe(1000)
    // imports: 1.5 s of tests in a suite of 1.5 s, stamped to the second: the start is known within a second.
    const first = w.cases[0]
    expect(first.earliestStart).toBeLessThanOrEqual(at('2026-03-01T10:00:00'))
    expect(first.latestStart).toBeGreaterThanOrEqual(at('2026-03-01T10:00:00'))
    expect(first.uncertaintyMs).toBeLessThanOrEqual(700)
    expect(new Set(w.cases.map((c) => c.chain)).size).toBe(2)
  })

  it('bounds pytest tests from the session end, so time spent collecting before them does not move them', () => {
    // 2.3 s session, of which 2 s collection (a slow import) before two tests of 0.1 s and 0.2 s.
    const xml = PYTEST.replace('time="0.300"', 'time="2.300"')
    const long = PYTEST.replace('time="0.300"', 'time="3.000"').replace('time="0.100"', 'time="0.500"').replace('time="0.200"', 'time="0.500"')
    const w = junitWindows(xml, 'p.xml')
    const [set, get] = w.cases
    expect(Math.abs((get.latestStart ?? 0) - at('2026-03-01T10:00:02.350'))).toBeLessThanOrEqual(5)
    expect(get.uncertaintyMs).toBeLessThan(100)
    expect(Math.abs((set.latestStart ?? 0) - at('2026-03-01T10:00:02.250'))).toBeLessThanOrEqual(5)
    // Tests longer than that uncertainty: a key in the middle of test_set's true run (2.0 s to 2.5 s) is test_set's, for sure.
    const tl = new TestTimeline([junitWindows(long, 'p.xml')])
    const a = tl.keyBorn(at('2026-03-01T10:00:02.500'))
    expect(a.exactness).toBe('exact')
    expect(a.test?.name).toBe('test_set')
    // The same push read up to 600 ms after it arrived (the guard's process waited for a core): the write may lie as early
    // as 1.9 s, before test_set's certain part, so the key gets candidates, never one test as certain.
    const late = tl.keyBorn(at('2026-03-01T10:00:02.500'), 600)
    expect(late.exactness).toBe('candidates')
    expect(late.candidates.map((c) => c.name)).toContain('test_set')
  })

  it('gives candidates, not one test, when the time could lie in either of two neighbours', () => {
    const w = junitWindows(PYTEST, 'p.xml', { endedAt: at('2026-03-01T10:00:00.560') })
    const tl = new TestTimeline([w])
    const a = tl.at(at('2026-03-01T10:00:00.350'))
    expect(a.exactness).toBe('candidates')
    expect(a.candidates.map((c) => c.name).sort()).toEqual(['test_get', 'test_set'])
  })

  it('lays cases without timestamps between the command\'s start and the file\'s time, as wide as the time the tests do not cover', () => {
    const start = at('2026-03-01T10:00:09')
    const end = at('2026-03-01T10:00:10')
    const w = junitWindows(NODE, 'n.xml', { startedAt: start, endedAt: end })
    expect(w.placement).toBe('durations')
    expect(w.cases.map((c) => c.name)).toEqual(['writes a batch', 'reads it back', 'top level'])
    for (const c of w.cases) {
      expect(c.earliestStart).toBeGreaterThanOrEqual(start - 1)
      expect((c.latestStart ?? 0) + c.durationMs).toBeLessThanOrEqual(end + 1)
    }
    expect(junitWindows(NODE, 'n.xml').cases.every((c) => c.start === null)).toBe(true)
  })

  it('places each top-level test of node\'s file on its own, as it does not say which test file (process) each came from, so a test of another file that may have been running makes candidates', () => {
    const start = at('2026-03-01T10:00:00Z')
    // 1.17 s of tests in a run of 1 s: the files ran at once.
    const w = junitWindows(NODE_TWO_FILES, 'n.xml', { startedAt: start, endedAt: start + 1000 })
    const chain = (name: string): string => w.cases.find((c) => c.name === name)?.chain ?? ''
    expect(chain('a1')).toBe(chain('a2'))
    expect(new Set(w.cases.map((c) => c.chain)).size).toBe(4)
    // b1 may have started with the run, not only after every test listed before it.
    expect(w.cases.find((c) => c.name === 'b1')?.earliestStart).toBe(start)
    const a = new TestTimeline([w]).at(start + 200)
    expect(a.exactness).toBe('candidates')
    expect(a.candidates.map((c) => c.name)).toEqual(expect.arrayContaining(['a1', 'b1']))
    expect(w.notes.join(' ')).toContain('does not say which test file each of its 4 top-level tests and suites came from')
    expect(w.notes.join(' ')).toContain('ran at once')
  })

  it('names first, among node\'s top-level tests, the one that laying them end to end puts there', () => {
    const start = at('2026-03-01T10:00:09')
    // 0.2 s of tests in a run of 1 s. Laid end to end, ending with the run (node starts up before the first test):
    // writes a batch from 0.80 s to 0.92 s, reads it back to 1.0 s, then top level. Each placed on its own, the
    // middles of their spans are 0.46 s, 0.56 s and 0.5 s.
    const w = junitWindows(NODE, 'n.xml', { startedAt: start, endedAt: start + 1000 })
    const a = new TestTimeline([w]).at(start + 850)
    expect(a.exactness).toBe('candidates')
    expect(a.test?.name).toBe('writes a batch')
    expect(a.candidates.map((c) => c.name).sort()).toEqual(['reads it back', 'top level', 'writes a batch'])
  })

  it('keeps the tests of one test file in one chain when the file names it, and tests of another file as candidates', () => {
    const start = at('2026-03-01T10:00:00Z')
    const xml = `<testsuites>
      <testcase name="x" time="0.500" classname="test" file="a.test.mjs"/>
      <testcase name="y" time="0.500" classname="test" file="a.test.mjs"/>
      <testsuite name="s" time="0.300" file="b.test.mjs"><testcase name="z" time="0.300" classname="test"/></testsuite>
    </testsuites>`
    const w = junitWindows(xml, 'n.xml', { startedAt: start, endedAt: start + 1200 })
    const [x, y, z] = w.cases
    expect(x.chain).toBe(y.chain)
    expect(z.chain).not.toBe(x.chain)
    // y ran after x in its process.
    expect(y.earliestStart).toBeGreaterThanOrEqual(start + 499)
    expect(w.notes).toEqual([])
    // 750 ms in: x had ended; y was running, and so may have z, in its own process.
    const a = new TestTimeline([w]).at(start + 750)
    expect(a.exactness).toBe('candidates')
    expect(a.candidates.map((c) => c.name).sort()).toEqual(['y', 'z'])
  })

  it('reads mocha\'s xunit timestamp as the end of the run, to the second', () => {
    const xml = '<testsuite name="Mocha Tests" tests="2" timestamp="Sun, 01 Mar 2026 10:00:05 GMT" time="2.000"><testcase classname="a" name="one" time="1.000"/><testcase classname="a" name="two" time="1.000"/></testsuite>'
    const w = junitWindows(xml, 'm.xml')
    expect(w.cases[1].latestStart).toBeLessThanOrEqual(at('2026-03-01T10:00:05Z') + 2)
    expect(w.cases[0].earliestStart).toBeGreaterThanOrEqual(at('2026-03-01T10:00:03Z') - 5)
  })

  it('says tests ran in parallel when their times add up to more than their suite lasted, and never names one of them for sure', () => {
    const xml = '<testsuite name="p" timestamp="2026-03-01T10:00:00.000" time="1.0"><testcase name="a" time="0.9"/><testcase name="b" time="0.9"/></testsuite>'
    const w = junitWindows(xml, 'p.xml')
    expect(w.cases.every((c) => !c.sequential)).toBe(true)
    const a = new TestTimeline([w]).at(at('2026-03-01T10:00:00.500'))
    expect(a.exactness).toBe('candidates')
    expect(a.candidates).toHaveLength(2)
  })

  it('names tests of another file running at the same time as candidates', () => {
    const w = junitWindows(JEST_JUNIT, 'junit.xml')
    const other = junitWindows(JEST_JUNIT.replace(/imports/g, 'exports'), 'other.xml')
    const a = new TestTimeline([w, other]).at(at('2026-03-01T10:00:02.500'))
    expect(a.exactness).toBe('candidates')
    expect([...new Set(a.candidates.map((c) => c.file))].sort()).toEqual(['junit.xml', 'other.xml'])
  })
})

describe('the junit-report input', () => {
  it('finds files by path and glob, says which patterns matched nothing, and refuses a whole-disk glob', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmg-junit-'))
    try {
      mkdirSync(join(dir, 'reports', 'unit'), { recursive: true })
      mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true })
      writeFileSync(join(dir, 'reports', 'unit', 'junit-1.xml'), PYTEST)
      writeFileSync(join(dir, 'reports', 'junit-2.xml'), GO_JUNIT)
      writeFileSync(join(dir, 'node_modules', 'x', 'junit-3.xml'), GO_JUNIT)
      writeFileSync(join(dir, 'top.xml'), NODE)
      utimesSync(join(dir, 'top.xml'), new Date('2026-03-01T10:00:10Z'), new Date('2026-03-01T10:00:10Z'))
      const found = findJUnitFiles(parseJUnitReportInput('reports/**/junit-*.xml, top.xml\nmissing/*.xml'), dir)
      expect(found.files.map((f) => f.slice(dir.length + 1))).toEqual(['reports/junit-2.xml', 'reports/unit/junit-1.xml', 'top.xml'])
      expect(found.notes).toEqual(['junit-report: "missing/*.xml" matched no file.'])
      const { windows, notes } = readJUnitFiles(found.files, { startedAt: at('2026-03-01T09:59:00Z') })
      // node's file (a suite and a test beside it) does not say which test file each came from.
      expect(notes).toHaveLength(1)
      expect(notes[0]).toContain('top.xml does not say which test file')
      expect(windows.map((w) => w.placement)).toEqual(['suite-timestamps', 'suite-timestamps', 'durations'])
      expect((windows[2].cases[2].latestStart ?? 0) + windows[2].cases[2].durationMs).toBeLessThanOrEqual(at('2026-03-01T10:00:10Z') + 1)
      // A file written before the command started is an earlier run's.
      const stale = readJUnitFiles([join(dir, 'top.xml')], { startedAt: at('2026-03-01T10:00:11Z') })
      expect(stale.windows).toEqual([])
      expect(stale.notes[0]).toContain('was last written before the command started')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect(() => parseJUnitReportInput('/**/*.xml')).toThrow(UserError)
    expect(pathGlobToRegExp('**/junit.xml').test('junit.xml')).toBe(true)
    expect(pathGlobToRegExp('a/*.xml').test('a/b/c.xml')).toBe(false)
  })
})
