#!/usr/bin/env node
/**
 * Records a real run of a suite in __tests__/fixtures/suites/<name> under the guard, for the tests
 * that read it back (`__tests__/attribution.test.ts`): the JUnit file the runner wrote, its
 * modification time, the command's start and length, the samples and the leaked keys' first-seen
 * times, in <name>/recorded-run.json. `npm test` reads only that file: nothing here is needed to run
 * the tests, only to record them again.
 *
 *   node scripts/package.mjs                      # the CLI bundle in dist/
 *   node scripts/record-suite-run.mjs ginkgo-v2   # needs Go >= 1.20 and Ginkgo v2's source
 *   node scripts/record-suite-run.mjs surefire    # needs Maven, a JDK and Debian's libsurefire-java + junit4
 *
 * ginkgo-v2: the suite is built in GOPATH mode (no module proxy needed). GINKGO_GOPATH is a GOPATH
 * holding github.com/onsi/ginkgo/v2 and its imports (default /usr/share/gocode, where Debian's
 * golang-github-onsi-ginkgo-v2-dev puts it); GO is the go command (default `go`). Ginkgo v2 needs
 * Go 1.20 or later (context.WithCancelCause).
 * surefire: Maven runs offline (-o) from a copy of Debian's repository (MAVEN_REPO, default
 * /usr/share/maven-repo), so Maven Central is not needed. The suite's <properties> (the JVM's system
 * properties: paths, user names) are left out of the recorded XML; the reader skips them anyway.
 *
 * Each run gets its own redis-server on a free port (never 6379) and temporary folders, removed after.
 */
import { execFileSync, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const name = process.argv[2]
const SUITES = {
  'ginkgo-v2': {
    junit: 'junit.xml',
    build(dir) {
      const gopath = process.env.GINKGO_GOPATH ?? '/usr/share/gocode'
      const go = process.env.GO ?? 'go'
      const env = { ...process.env, GOPATH: `${join(dir, '.gopath')}:${gopath}`, GO111MODULE: 'off', GOFLAGS: '', GOTOOLCHAIN: 'local', GOCACHE: join(dir, '.gocache') }
      execFileSync(go, ['test', '-c', '-o', 'cache.test', '.'], { cwd: dir, env, stdio: 'inherit' })
      const version = execFileSync(go, ['version'], { encoding: 'utf8' }).trim()
      return { command: ['./cache.test', '--ginkgo.junit-report=junit.xml', '--ginkgo.no-color'], recordedWith: `go test binary of suite_test.go (${version}, Ginkgo v2 from GINKGO_GOPATH, GOPATH mode)` }
    },
    clean: (xml, dir) => xml.split(dir).join('cachesuite')
  },
  surefire: {
    junit: 'target/surefire-reports/TEST-shop.CartTest.xml',
    build(dir) {
      const repo = join(dir, '.m2')
      cpSync(process.env.MAVEN_REPO ?? '/usr/share/maven-repo', repo, { recursive: true, dereference: true })
      // Compiled before the guarded run, so the run is the tests (and Maven's start), not the compiler.
      execFileSync('mvn', ['-o', '-q', `-Dmaven.repo.local=${repo}`, 'test-compile'], { cwd: dir, stdio: 'inherit' })
      const version = /Apache Maven [\d.]+/.exec(execFileSync('mvn', ['-v'], { encoding: 'utf8' }))?.[0] ?? 'Maven'
      return { command: ['mvn', '-o', '-q', `-Dmaven.repo.local=${repo}`, 'test'], recordedWith: `mvn -o test (${version}, maven-surefire-plugin 2.22.3 and JUnit 4 from Debian's repository)` }
    },
    clean: (xml, dir) => xml.replace(/\s*<properties>[\s\S]*?<\/properties>/, '').split(dir).join('shop')
  }
}

const suite = SUITES[name]
if (!suite) {
  console.error(`usage: node scripts/record-suite-run.mjs ${Object.keys(SUITES).join('|')}`)
  process.exit(2)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function answers(port) {
  return new Promise((resolve) => {
    const s = createConnection(port, '127.0.0.1', () => s.write('PING\r\n'))
    s.setTimeout(500, () => (s.destroy(), resolve(false)))
    s.on('error', () => resolve(false))
    s.on('data', (d) => (s.destroy(), resolve(d.toString().startsWith('+PONG'))))
  })
}

const dir = mkdtempSync(join(tmpdir(), `rmg-record-${name}-`))
const redisDir = mkdtempSync(join(tmpdir(), 'rmg-record-redis-'))
const port = await freePort()
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: 'ignore' })
try {
  let up = false
  for (let i = 0; i < 50 && !up; i++) {
    up = await answers(port)
    if (!up) await new Promise((r) => setTimeout(r, 100))
  }
  if (!up) throw new Error(`redis-server did not answer on port ${port}`)
  cpSync(join(root, '__tests__', 'fixtures', 'suites', name), dir, { recursive: true, filter: (src) => !src.endsWith('recorded-run.json') })
  const { command, recordedWith } = suite.build(dir)
  const url = `redis://127.0.0.1:${port}`
  const reportPath = join(dir, 'report.json')
  const interval = '50ms'
  const cli = join(root, 'dist', 'cli', 'index.js')
  const args = [cli, 'run', '--url', url, '--sample-interval', interval, '--junit-report', join(dir, suite.junit), '--report-path', reportPath, '--no-color', '--', ...command]
  const code = await new Promise((resolve) => spawn(process.execPath, args, { cwd: dir, env: { ...process.env, REDIS_URL: url }, stdio: 'inherit' }).on('close', resolve))
  const report = JSON.parse(readFileSync(reportPath, 'utf8'))
  if (report.command?.exitCode !== 0) throw new Error(`the suite failed (guard exit ${code}, command exit ${report.command?.exitCode})`)
  const junitPath = join(dir, suite.junit)
  const out = {
    recordedWith: `${recordedWith} run by redis-memory-guard run --sample-interval ${interval} against redis-server`,
    // Timestamps without an offset (Ginkgo's) are this machine's local time: the test reads them in the same zone.
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    junitXml: suite.clean(readFileSync(junitPath, 'utf8'), dir),
    junitMtimeMs: statSync(junitPath).mtimeMs,
    command: { startedAt: report.command.startedAt, durationMs: report.command.durationMs },
    sampling: { startedAt: report.sampling.startedAt, intervalMs: report.sampling.intervalMs, samples: report.sampling.samples },
    before: { errorstats: report.before?.errorstats ?? {}, evictedKeys: report.before?.evictedKeys ?? 0, maxmemory: report.before?.memory?.maxmemory ?? 0 },
    after: { maxmemory: report.after?.memory?.maxmemory ?? 0 },
    leakedKeys: (report.cause?.leakedKeyTimes?.keys ?? []).map((k) => ({ db: k.db, key: k.key, firstSeenAt: k.firstSeenAt }))
  }
  const target = join(root, '__tests__', 'fixtures', 'suites', name, 'recorded-run.json')
  writeFileSync(target, `${JSON.stringify(out, null, 1)}\n`)
  console.log(`wrote ${target.slice(root.length + 1)}: ${out.leakedKeys.length} leaked keys, ${out.sampling.samples.length} samples`)
} finally {
  redis.kill()
  rmSync(dir, { recursive: true, force: true })
  rmSync(redisDir, { recursive: true, force: true })
}
