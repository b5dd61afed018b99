/**
 * What a hostile `key-patterns` pattern costs per key: `*{a}*{b}` and `{a}{b}{c}{d}x` against keys
 * shaped so that no named-part split fits (the worst case for a backtracking capture, which took
 * 47 ms at 60 bytes, 1.8 s at 180 and over 400 s at 1,000). Prints microseconds per key by length.
 * Usage: node scripts/build-bench.mjs bench/key-patterns.ts "$tmp" && node "$tmp/index.js" [rounds=200]
 */
import { performance } from 'node:perf_hooks'
import { parseKeyPatterns } from '../src/keys/patterns.js'

const rounds = Number(process.argv[2] ?? '200')
const cases: [string, (n: number) => string][] = [
  ['*{a}*{b}', (n) => 'a:'.repeat(Math.ceil(n / 2)).slice(0, n - 1) + ':'],
  ['{a}{b}{c}{d}x', (n) => `${'a'.repeat(n - 2)}:x`]
]
for (const [pattern, keyOf] of cases) {
  const [compiled] = parseKeyPatterns(pattern, ':')
  const figures: string[] = []
  for (const length of [60, 180, 1000]) {
    const key = keyOf(length)
    const start = performance.now()
    for (let i = 0; i < rounds; i++) compiled.groupOf(key)
    figures.push(`${length} B: ${(((performance.now() - start) / rounds) * 1000).toFixed(1)} µs`)
  }
  console.log(`${pattern.padEnd(14)} ${figures.join('  ')}`)
}
