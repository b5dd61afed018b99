/**
 * How fast JUnit files are read (issue 21.4: 1 MB of `<!--` took 190 s with the regular-expression
 * reader). Prints one JSON line per input: its size, the median time to read it over 3 rounds, and
 * the MB/s. Inputs: 1 MB of `<!--`, 1 MB of `<testcase` without `>`, and a well-formed file of
 * 50,000 test cases with failure text (about 20 MB). Linear reading keeps each near the others' MB/s.
 * Usage: node scripts/build-bench.mjs bench/junit.ts /tmp/junit-bench && node /tmp/junit-bench/index.js
 */
import { JUnitReader } from '../src/explain/junit.js'

function wellFormed(cases: number): string {
  const parts = ['<?xml version="1.0"?><testsuites><testsuite name="pytest" timestamp="2026-03-01T10:00:00.000" time="100.0">']
  for (let i = 0; i < cases; i++) {
    parts.push(`<testcase classname="tests.test_m${i % 50}" name="test_${i} returns a &gt; b" time="0.002"><failure message="x">${'Traceback line &lt;here&gt;\n'.repeat(12)}</failure></testcase>`)
  }
  parts.push('</testsuite></testsuites>')
  return parts.join('')
}

const inputs: [string, string][] = [
  ['1 MB of <!--', '<testsuite name="s">' + '<!--'.repeat(256 * 1024)],
  ['1 MB of <testcase without >', '<testsuite name="s">' + '<testcase '.repeat(100 * 1024)],
  ['50,000 test cases with failure text', wellFormed(50_000)]
]

for (const [name, xml] of inputs) {
  const times: number[] = []
  let cases = 0
  for (let round = 0; round < 3; round++) {
    const started = process.hrtime.bigint()
    const r = new JUnitReader()
    // As the file reader feeds it: 1 MB chunks.
    for (let at = 0; at < xml.length; at += 1024 * 1024) r.write(xml.slice(at, at + 1024 * 1024))
    const roots = r.close()
    cases = roots.reduce((n, s) => n + s.children.length, 0)
    times.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  times.sort((a, b) => a - b)
  const mb = Buffer.byteLength(xml) / 1024 / 1024
  console.log(JSON.stringify({ input: name, mb: Math.round(mb * 10) / 10, cases, medianMs: Math.round(times[1]), mbPerSecond: Math.round(mb / (times[1] / 1000)) }))
}
