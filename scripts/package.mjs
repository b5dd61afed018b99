// Bundles every entry point in src/entry/ into dist/<name>/index.js with ncc.
// One bundle per entry keeps the post step and the sampler from loading code they never run.
//
// TypeScript is compiled once for all entries (tsconfig.build.json), then ncc bundles the
// JavaScript, all builds side by side. Handing ncc the .ts entries made each of the four builds
// type-check the whole program again (CI type-checks once with `tsc` already), and running them
// one after another left cores idle: together that made packaging the slowest step of CI.
// Bundles are minified (smaller files load faster at every step start), here with esbuild, not with
// ncc's --minify: that one runs terser on the entry file only (the chunks it splits off, octokit's
// in three bundles, stayed as they were), took 14 of the build's 48 s of CPU, and its files were
// 8% larger for the same start-up time (20 pairs of main + post, 0.99x). Each distinct chunk is
// minified once. Each bundle gets a
// licenses.txt listing every package it contains (see licenses.mjs for why ncc's own list is not used).
// Each bundle's module factories are then wrapped in parentheses (eagerFactories): V8 compiles such
// a function with the file instead of preparsing it at load and parsing it again when webpack's
// require runs it, which took ~15 ms of every step's start under Node 24 (issue 14).
//
//   node scripts/package.mjs                  all of src/entry/ into dist/
//   node scripts/package.mjs --out DIR        all of src/entry/ into DIR/ (CI compares it with dist/)
//   node scripts/package.mjs [--out DIR] FILE...   the given entry files (JavaScript or TypeScript) into DIR/<name>/
import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'acorn'
import { transform } from 'esbuild'
import { createHash } from 'node:crypto'
import { licensesFromStats } from './licenses.mjs'

const root = resolve(fileURLToPath(import.meta.url), '..', '..')
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
// Inside the project, so that ncc resolves packages from its node_modules and "type": "module" applies.
const compiled = join(root, '.tmp', 'bundle-src')

/** Compiles src/ to JavaScript in `compiled` (tsconfig.build.json) and returns the compiled entry files. */
function compileEntries() {
  rmSync(compiled, { recursive: true, force: true })
  // --noCheck: the same JavaScript without type-checking it again (`npm run typecheck` and CI do; 6.5 -> 4.2 s).
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', compiled, '--noCheck'], { cwd: root, stdio: 'inherit' })
  for (const name of SIDE_EFFECT_FREE) sideEffectFreeCopy(name)
  return readdirSync(join(compiled, 'entry'))
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => join(compiled, 'entry', f))
}

/**
 * Packages whose modules only define things when imported, told so to webpack (ncc's bundler):
 * with `"sideEffects": false` it leaves out a module none of whose exports is used. @actions/core's
 * index imports its OIDC client (getIDToken, which the guard never calls) and with it
 * @actions/http-client and undici: 0.45 MB of every step's start, 13% of main + post's wall time
 * and 17% of their CPU (bench/fixed-cost.mjs). undici stays in the octokit chunk, loaded only for
 * the PR comment and the baseline. ncc takes no webpack configuration, and node_modules is not
 * ours to change: the compiled source gets its own copy of the package, flagged, in
 * `compiled/node_modules`, which resolution finds before the project's.
 */
const SIDE_EFFECT_FREE = ['@actions/core']

function sideEffectFreeCopy(name) {
  const to = join(compiled, 'node_modules', ...name.split('/'))
  cpSync(join(root, 'node_modules', ...name.split('/')), to, { recursive: true })
  const pkg = JSON.parse(readFileSync(join(to, 'package.json'), 'utf8'))
  writeFileSync(join(to, 'package.json'), JSON.stringify({ ...pkg, sideEffects: false }, null, 2) + '\n')
}

/** Runs one ncc build; resolves when it succeeded, rejects with its output when it did not. */
function nccBuild(entry, outDir, statsFile) {
  const args = [ncc, 'build', entry, '-o', outDir, '--quiet', '--stats-out', statsFile]
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('error', fail)
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`ncc build ${entry} failed (exit ${code}):\n${output}`))))
  })
}

/**
 * `code` (an ncc bundle) with every function of its module map (an object literal whose keys are
 * all module ids and whose values are all functions) in parentheses: V8's hint to compile a
 * function eagerly. Changes no behaviour; the same input gives the same output.
 */
export function eagerFactories(code, { moduleMap = true } = {}) {
  const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'module' })
  const at = []
  let found = false
  const visit = (node) => {
    if (node.type === 'ObjectExpression' && node.properties.length > 0 && node.properties.every(isFactory)) {
      // esbuild keeps the parentheses webpack writes around each factory: those need no second pair.
      for (const p of node.properties) if (code[p.value.start - 1] !== '(' || code[p.value.end] !== ')') at.push(p.value.start, p.value.end)
      found = true
      return
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) value.forEach((v) => v && typeof v.type === 'string' && visit(v))
      else if (value && typeof value.type === 'string') visit(value)
    }
  }
  visit(ast)
  if (!found) {
    if (!moduleMap) return code
    throw new Error('eagerFactories: no module map found in the bundle')
  }
  let out = ''
  let from = 0
  at.sort((a, b) => a - b).forEach((pos, i) => {
    out += code.slice(from, pos) + (i % 2 === 0 ? '(' : ')')
    from = pos
  })
  return out + code.slice(from)
}

function isFactory(p) {
  return p.type === 'Property' && p.key.type === 'Literal' && typeof p.key.value === 'number' && (p.value.type === 'ArrowFunctionExpression' || p.value.type === 'FunctionExpression')
}

/**
 * Bundles `entry` into `outDir` with its licenses.txt. `moduleMap: false` (a bench without
 * packages) accepts a bundle with no module map to make eager; the product's always has one.
 */
export async function buildBundle(entry, outDir, { moduleMap = true } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'rmg-package-'))
  try {
    const statsFile = join(work, 'stats.json')
    await nccBuild(entry, outDir, statsFile)
    // The entry file only: chunks load on first use (the octokit one only for a PR comment).
    const bundle = join(outDir, existsSync(join(outDir, 'index.mjs')) ? 'index.mjs' : 'index.js')
    writeFileSync(bundle, eagerFactories(await minify(readFileSync(bundle, 'utf8')), { moduleMap }))
    const stats = JSON.parse(readFileSync(statsFile, 'utf8'))
    writeFileSync(join(outDir, 'licenses.txt'), licensesFromStats(stats, root))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Bundles every entry file into `outDir/<entry name>/`, all builds at once. */
export async function buildBundles(entries, outDir) {
  const dirs = entries.map((entry) => join(outDir, basename(entry, extname(entry))))
  await Promise.all(entries.map((entry, i) => buildBundle(entry, dirs[i])))
  const shared = join(outDir, SHARED_CHUNKS)
  await minifyChunks(dirs, shared)
  refuseMachinePaths(existsSync(shared) ? [...dirs, shared] : dirs)
}

/** The chunk files of the bundles in `dirs`: every .js file but the entry. */
function chunkFiles(dirs) {
  return dirs.flatMap((dir) => readdirSync(dir).filter((f) => /^\d+\.index\.m?js$/.test(f)).map((f) => join(dir, f)))
}

/** The folder beside the bundle folders that holds the chunks several bundles share. */
export const SHARED_CHUNKS = 'chunks'

/**
 * Minifies every chunk. A chunk that several bundles share (the same bytes: octokit's, 0.54 MB, in
 * main, post and the CLI) is minified once and kept once, in `shared/<hash>.mjs` (an ES module
 * wherever it is copied); each bundle's own file becomes a one-line module that re-exports it. webpack's chunk loading imports
 * `./<id>.index.js` from the bundle and reads only its named exports (id, ids, modules), which
 * `export *` passes on unchanged.
 */
async function minifyChunks(dirs, shared) {
  const byContent = new Map()
  for (const file of chunkFiles(dirs)) {
    const code = readFileSync(file, 'utf8')
    const key = createHash('sha256').update(code).digest('hex')
    if (!byContent.has(key)) byContent.set(key, { code, files: [] })
    byContent.get(key).files.push(file)
  }
  await Promise.all(
    [...byContent.entries()].map(async ([key, { code, files }]) => {
      const out = await minify(code)
      if (files.length === 1) return writeFileSync(files[0], out)
      const name = `${key.slice(0, 16)}.mjs`
      mkdirSync(shared, { recursive: true })
      writeFileSync(join(shared, name), out)
      for (const f of files) writeFileSync(f, `export * from '../${SHARED_CHUNKS}/${name}'\n`)
    })
  )
}

/** `code` (an ES module) minified for Node 20, the oldest Node package.json claims; licence comments go to licenses.txt. */
async function minify(code) {
  return (await transform(code, { minify: true, format: 'esm', target: 'node20', legalComments: 'none' })).code
}

/** A bundle must not carry the paths of the machine that built it (they would differ on every machine). */
function refuseMachinePaths(dirs) {
  const marks = [root, compiled, tmpdir()].filter((m) => m.length > 4)
  for (const dir of dirs) {
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8')
      const found = marks.find((m) => text.includes(m))
      if (found) throw new Error(`${join(dir, f)} contains the build machine's path ${found}: find what embeds it (a __dirname, a source map) and keep it out.`)
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now()
  const args = process.argv.slice(2)
  const outAt = args.indexOf('--out')
  if (outAt >= 0 && !args[outAt + 1]) {
    console.error('usage: node scripts/package.mjs [--out DIR] [ENTRY_FILE...]  (e.g. --out .tmp/bundles src/entry/cli.ts)')
    process.exit(2)
  }
  const outDir = outAt >= 0 ? resolve(args[outAt + 1]) : join(root, 'dist')
  const files = args.filter((_, i) => outAt < 0 || (i !== outAt && i !== outAt + 1))
  try {
    const entries = files.length > 0 ? files.map((f) => resolve(f)) : compileEntries()
    // A full build replaces the folder, so no bundle of a removed entry is left behind.
    if (files.length === 0) rmSync(outDir, { recursive: true, force: true })
    await buildBundles(entries, outDir)
    console.log(`packaged ${entries.length} bundles in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
}
