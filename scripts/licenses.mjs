// Writes the licences of the packages a bundle really contains.
//
// ncc's own `--license` (license-webpack-plugin) lists only @vercel/ncc for our bundles: every
// package we use is ESM, so webpack concatenates its modules into the entry's module, and the
// plugin then sees module identifiers prefixed with ncc's loader chain
// ("javascript/esm|…/empty-loader.js!…!…/node_modules/@actions/core/lib/core.js") that it cannot
// map to a package directory. Whether a package is in `dependencies` or `devDependencies` plays
// no part. So we read the modules from webpack's stats (`ncc --stats-out`) ourselves.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { isAbsolute, join, resolve, sep } from 'node:path'

const NODE_MODULES = `${sep}node_modules${sep}`
// The names a package's licence file goes by, in the order we prefer them.
const LICENCE_FILE = /^(licen[sc]e|copying)(\.(md|txt|markdown))?$/i

/**
 * The file a webpack module identifier points at: identifiers look like
 * `javascript/esm|<loader>!<loader>??<options>!<file>?<query>|<hash>`, every part but the file optional.
 */
export function modulePath(identifier) {
  const last = identifier.slice(identifier.lastIndexOf('!') + 1)
  const file = last.split('|').find((part) => isAbsolute(part)) ?? last
  return file.replace(/\?.*$/, '')
}

/**
 * The package directories a bundle's modules come from, from webpack stats JSON (nested modules
 * of concatenated modules included). `root` is the project; paths outside its node_modules are
 * our own source and not listed.
 */
export function bundledPackageDirs(stats, root) {
  const dirs = new Set()
  const base = resolve(root) + sep
  const visit = (modules) => {
    for (const module of modules ?? []) {
      const file = typeof module.identifier === 'string' ? modulePath(module.identifier) : ''
      const at = file.lastIndexOf(NODE_MODULES)
      if (file.startsWith(base) && at >= 0) {
        const parts = file.slice(at + NODE_MODULES.length).split(sep)
        const depth = parts[0].startsWith('@') ? 2 : 1
        if (parts.length > depth) dirs.add(file.slice(0, at + NODE_MODULES.length) + parts.slice(0, depth).join(sep))
      }
      visit(module.modules)
    }
  }
  visit(stats.modules)
  for (const chunk of stats.chunks ?? []) visit(chunk.modules)
  return [...dirs]
}

/** Name, version, licence id and licence text of one installed package. */
export function readPackage(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const licenceFile = readdirSync(dir)
    .filter((f) => LICENCE_FILE.test(f))
    .sort()[0]
  const license = typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? 'UNKNOWN')
  return {
    name: manifest.name,
    version: manifest.version,
    license,
    text: licenceFile && existsSync(join(dir, licenceFile)) ? readFileSync(join(dir, licenceFile), 'utf8').trim() : null
  }
}

/**
 * licenses.txt: one block per package (name@version, licence id, licence text), sorted so that the
 * same bundle always gives the same file. A package that ships no licence file says so.
 */
export function renderLicenses(packages) {
  const unique = new Map(packages.map((p) => [`${p.name}@${p.version}`, p]))
  const blocks = [...unique.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, p]) => `${id}\n${p.license}\n${p.text ?? '(the package ships no licence file; its package.json names the licence above)'}`)
  return blocks.join('\n\n') + '\n'
}

/** licenses.txt for the bundle whose webpack stats are `stats`, built in the project at `root`. */
export function licensesFromStats(stats, root) {
  return renderLicenses(bundledPackageDirs(stats, root).map(readPackage))
}
