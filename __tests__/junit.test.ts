/** JUnit XML of the common reporters read into test windows, and first-seen times mapped to the test running then. */
import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { attributeKeys, junitWindows, parseJUnitTree } from '../src/explain/junit.js'
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

const at = (iso: string): number => Date.parse(iso)

describe('parsing', () => {
  it('reads suites and cases, skipping failure output that looks like tags, and decodes entities', () => {
    const tree = parseJUnitTree(JEST_JUNIT)
    expect(tree.map((s) => s.attrs.name)).toEqual(['imports', 'mail'])
    expect(tree[0].children.map((c) => c.attrs.name)).toEqual(['imports writes a batch', 'imports reads it back'])
    expect(tree[1].children[0].attrs.name).toBe('sends & retries')
  })

  it('places cases from suite timestamps (local time without an offset, whole seconds) one after another', () => {
    const w = junitWindows(JEST_JUNIT, 'junit.xml')
    expect(w.placement).toBe('timestamps')
    expect(w.precisionMs).toBe(1000)
    expect(w.cases.map((c) => [c.name, c.start, c.end])).toEqual([
      ['imports writes a batch', at('2026-03-01T10:00:00'), at('2026-03-01T10:00:01')],
      ['imports reads it back', at('2026-03-01T10:00:01'), at('2026-03-01T10:00:01.500')],
      ['sends & retries', at('2026-03-01T10:00:02'), at('2026-03-01T10:00:03')]
    ])
  })

  it('takes fractions of a second from pytest and an offset from go-junit-report', () => {
    const p = junitWindows(PYTEST, 'p.xml')
    expect(p.precisionMs).toBe(1)
    expect(p.cases.map((c) => c.start)).toEqual([at('2026-03-01T10:00:00.250'), at('2026-03-01T10:00:00.350')])
    const g = junitWindows(GO_JUNIT, 'g.xml')
    expect(g.cases.map((c) => [c.classname, c.name, c.start])).toEqual([
      ['cache', 'TestSet', at('2026-03-01T10:00:00Z')],
      ['cache', 'TestGet', at('2026-03-01T10:00:00.700Z')]
    ])
  })

  it("lays node's untimed cases back to back from the end of the run, or forwards from its start", () => {
    const end = at('2026-03-01T10:00:10Z')
    const w = junitWindows(NODE, 'n.xml', { endedAt: end })
    expect(w.placement).toBe('from-end')
    const last = w.cases[w.cases.length - 1]
    expect(last.end).toBeCloseTo(end, 3)
    expect(w.cases[0].suites).toEqual(['imports'])
    expect(w.cases[0].start).toBeCloseTo(end - 202.933, 3)
    const f = junitWindows(NODE, 'n.xml', { startedAt: end })
    expect(f.placement).toBe('from-start')
    expect(f.cases[0].start).toBe(end)
    expect(junitWindows(NODE, 'n.xml').cases.every((c) => c.start === null)).toBe(true)
  })
})

describe('attribution', () => {
  it('puts each key in the test running when it appeared, and says how exact that is', () => {
    const w = junitWindows(PYTEST, 'p.xml')
    const r = attributeKeys(
      [
        { db: 0, key: 'cache:a', firstSeen: at('2026-03-01T10:00:00.300') },
        { db: 0, key: 'cache:b', firstSeen: at('2026-03-01T10:00:00.500') },
        { db: 0, key: 'late', firstSeen: at('2026-03-01T10:05:00') }
      ],
      [w]
    )
    expect(r.tests.map((t) => [t.test.name, t.keys.map((k) => [k.key, k.exactness])])).toEqual([
      ['test_set', [['cache:a', 'one-test']]],
      ['test_get', [['cache:b', 'one-test']]]
    ])
    expect(r.unattributed.map((k) => k.key)).toEqual(['late'])
    expect(r.exactness).toBe('Times of tests come from suite timestamps (milliseconds) plus the test times before each test.')
  })

  it('says when tests ran in parallel and a key could belong to more than one', () => {
    const a = junitWindows(PYTEST, 'a.xml')
    const b = junitWindows(PYTEST.replace(/test_cache/g, 'test_other'), 'b.xml')
    const r = attributeKeys([{ db: 0, key: 'k', firstSeen: at('2026-03-01T10:00:00.300') }], [a, b])
    expect(r.tests[0].keys[0].exactness).toBe('several-tests')
    expect(r.tests[0].keys[0].alsoRunning).toHaveLength(1)
    expect(r.exactness).toMatch(/Tests ran in parallel \(their windows overlap\)/)
    expect(r.exactness).toMatch(/1 key fell where several tests were running\./)
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
      const { windows } = readJUnitFiles(found.files)
      expect(windows.map((w) => w.placement)).toEqual(['timestamps', 'timestamps', 'from-end'])
      expect(windows[2].cases[2].end).toBeCloseTo(at('2026-03-01T10:00:10Z'), 3)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect(() => parseJUnitReportInput('/**/*.xml')).toThrow(UserError)
    expect(pathGlobToRegExp('**/junit.xml').test('junit.xml')).toBe(true)
    expect(pathGlobToRegExp('a/*.xml').test('a/b/c.xml')).toBe(false)
  })
})
