// Builds one TypeScript bench (bench/*.ts) the way the product's bundles are built: TypeScript
// compiled to ES modules first, then bundled by scripts/package.mjs (ncc, minified, eager module
// factories). Handing the .ts file to ncc directly bundles it with webpack's CommonJS interop
// instead of Node's ES module semantics, so a bench could fail, or measure other code, where the
// product does not (a default import of a CommonJS module is exports.default there, the exports
// object in Node).
//
//   node scripts/build-bench.mjs bench/NAME.ts OUT_DIR    then: node OUT_DIR/index.js ...
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildBundle } from './package.mjs'

const root = resolve(fileURLToPath(import.meta.url), '..', '..')
const [file, out] = process.argv.slice(2)
if (!file || !out || !file.endsWith('.ts') || !existsSync(file)) {
  console.error('usage: node scripts/build-bench.mjs bench/NAME.ts OUT_DIR')
  process.exit(2)
}

// Inside the project, so that "type": "module" applies and packages resolve from its node_modules.
mkdirSync(join(root, '.tmp'), { recursive: true })
const compiled = mkdtempSync(join(root, '.tmp', 'bench-src-'))
try {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  // tsconfig.json covers src/ and bench/; --noCheck: `npm run typecheck` checks them.
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--noEmit', 'false', '--rootDir', root, '--outDir', compiled, '--noCheck'], { cwd: root, stdio: 'inherit' })
  const entry = join(compiled, relative(root, resolve(file))).replace(/\.ts$/, '.js')
  await buildBundle(entry, resolve(out), { moduleMap: false })
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
} finally {
  rmSync(compiled, { recursive: true, force: true })
}
