/**
 * licenses.txt lists every package a bundle contains, read from the real node_modules, and a real
 * ncc build of a small entry writes it (ncc's own list named only ncc).
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { bundledPackageDirs, modulePath, readPackage, renderLicenses } from '../scripts/licenses.mjs'

const root = process.cwd()
const nm = join(root, 'node_modules')
const loaders = `${nm}/@vercel/ncc/dist/ncc/loaders/empty-loader.js!${nm}/@vercel/ncc/dist/ncc/loaders/relocate-loader.js??ruleSet[1].rules[1].use[1]!`
const licenceOf = (dir: string): string => {
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f))
  if (!file) throw new Error(`${dir} has no licence file`)
  return readFileSync(join(dir, file), 'utf8').trim()
}
const temp: string[] = []
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('the packages of a bundle, from webpack stats', () => {
  it('finds the file behind loaders, module types and concatenation hashes', () => {
    expect(modulePath(`javascript/esm|${loaders}${nm}/@actions/io/lib/io.js`)).toBe(`${nm}/@actions/io/lib/io.js`)
    expect(modulePath(`${loaders}${root}/src/entry/main.ts|f9fc944a2b35c46bc285d6d1edecd31d`)).toBe(`${root}/src/entry/main.ts`)
    expect(modulePath(`${nm}/@vercel/ncc/dist/ncc/@@notfound.js?@node-rs/xxhash`)).toBe(`${nm}/@vercel/ncc/dist/ncc/@@notfound.js`)
  })

  it('lists scoped, unscoped and nested packages inside concatenated modules, not our source or Node built-ins', () => {
    const stats = {
      modules: [
        {
          identifier: `${loaders}${root}/src/entry/main.ts|0123`,
          modules: [
            { identifier: `${loaders}${root}/src/action/main.ts` },
            { identifier: `javascript/esm|${loaders}${nm}/@actions/core/lib/core.js` },
            { identifier: `javascript/esm|${loaders}${nm}/@actions/core/lib/summary.js` },
            { identifier: `javascript/esm|${loaders}${nm}/@actions/github/node_modules/@actions/http-client/lib/index.js` }
          ]
        },
        { identifier: `${loaders}${nm}/cluster-key-slot/lib/index.js` },
        { identifier: 'external node-commonjs "node:os"' }
      ],
      chunks: [{ modules: [{ identifier: `${loaders}${nm}/tunnel/lib/tunnel.js` }] }]
    }
    expect(bundledPackageDirs(stats, root).sort()).toEqual(
      [`${nm}/@actions/core`, `${nm}/@actions/github/node_modules/@actions/http-client`, `${nm}/cluster-key-slot`, `${nm}/tunnel`].sort()
    )
  })
})

describe('licenses.txt', () => {
  it('has each package once, by name@version, with its licence id and the text of its licence file', () => {
    const dirs = [join(nm, 'tunnel'), join(nm, 'cluster-key-slot'), join(nm, '@actions', 'core'), join(nm, 'tunnel')]
    const text = renderLicenses(dirs.map(readPackage))
    const blocks = text.trimEnd().split(/\n\n(?=\S+@\d)/)
    const heads = blocks.map((b) => b.split('\n')[0])
    const version = (dir: string): string => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version
    expect(heads).toEqual([`@actions/core@${version(join(nm, '@actions', 'core'))}`, `cluster-key-slot@${version(join(nm, 'cluster-key-slot'))}`, `tunnel@${version(join(nm, 'tunnel'))}`])
    expect(blocks[1]).toContain(licenceOf(join(nm, 'cluster-key-slot')))
    expect(blocks[1].split('\n')[1]).toBe(JSON.parse(readFileSync(join(nm, 'cluster-key-slot', 'package.json'), 'utf8')).license)
    expect(blocks[2]).toContain(licenceOf(join(nm, 'tunnel')))
  })

  it('says so when a package ships no licence file, rather than leaving the text out silently', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmg-licence-'))
    temp.push(dir)
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'no-licence-file', version: '1.2.3', license: 'MIT' }))
    const text = renderLicenses([readPackage(dir)])
    expect(text.split('\n').slice(0, 2)).toEqual(['no-licence-file@1.2.3', 'MIT'])
    expect(text).toContain('ships no licence file')
  })
})

describe('a real bundle', () => {
  it('lists the CommonJS and the concatenated ESM package it bundles, and is the same when built twice', async () => {
    const out = mkdtempSync(join(tmpdir(), 'rmg-bundle-'))
    temp.push(out)
    const entry = join(root, '__tests__', 'fixtures', 'licenses-entry.mjs')
    const build = (dir: string): Promise<unknown> => {
      mkdirSync(dir, { recursive: true })
      return promisify(execFile)(process.execPath, ['scripts/package.mjs', '--out', dir, entry], { cwd: root, timeout: 120_000 })
    }
    await Promise.all([build(join(out, 'a')), build(join(out, 'b'))])
    const licences = readFileSync(join(out, 'a', 'licenses-entry', 'licenses.txt'), 'utf8')
    for (const name of ['cluster-key-slot', join('@actions', 'io')]) {
      const pkg = JSON.parse(readFileSync(join(nm, name, 'package.json'), 'utf8'))
      expect(licences).toContain(`${pkg.name}@${pkg.version}\n${pkg.license}\n${licenceOf(join(nm, name))}`)
    }
    expect(licences).not.toContain(root)
    for (const file of ['index.mjs', 'licenses.txt']) {
      expect(readFileSync(join(out, 'b', 'licenses-entry', file), 'utf8')).toBe(readFileSync(join(out, 'a', 'licenses-entry', file), 'utf8'))
    }
  }, 240_000)
})

describe('what a step loads at its start', () => {
  it('leaves @actions/core\'s OIDC client and undici out of the main and post entry files, and keeps undici for the GitHub chunk', () => {
    for (const step of ['main', 'post']) {
      const entry = readFileSync(join(root, 'dist', step, 'index.js'), 'utf8')
      // @actions/core is bundled (masking, state, outputs), but not what only getIDToken needs.
      expect(entry.includes('add-mask')).toBe(true)
      expect(entry.includes('undici')).toBe(false)
      expect(entry.includes('ACTIONS_ID_TOKEN_REQUEST_URL')).toBe(false)
      const chunks = readdirSync(join(root, 'dist', step)).filter((f) => /^\d+\.index\.js$/.test(f))
      expect(chunks.some((f) => chunkCode(join(root, 'dist', step, f)).includes('undici'))).toBe(true)
    }
  })

  it('keeps a chunk that several bundles share once, in dist/chunks, each bundle re-exporting it', () => {
    const stubs = ['main', 'post', 'cli'].flatMap((step) =>
      readdirSync(join(root, 'dist', step))
        .filter((f) => /^\d+\.index\.js$/.test(f))
        .map((f) => readFileSync(join(root, 'dist', step, f), 'utf8'))
        .filter((code) => code.startsWith('export * from'))
    )
    // octokit's chunk, in main, post and the CLI.
    expect(stubs.length).toBeGreaterThanOrEqual(3)
    const shared = readdirSync(join(root, 'dist', 'chunks'))
    for (const stub of stubs) expect(shared).toContain(/'\.\.\/chunks\/([^']+)'/.exec(stub)?.[1])
    // Each file there is used, and is the only copy of its code.
    const codes = shared.map((f) => readFileSync(join(root, 'dist', 'chunks', f), 'utf8'))
    expect(new Set(codes).size).toBe(codes.length)
    for (const f of shared) expect(stubs.some((stub) => stub.includes(f))).toBe(true)
  })
})

/** A chunk's code: a bundle's own chunk file, or the shared one it re-exports. */
function chunkCode(file: string): string {
  const code = readFileSync(file, 'utf8')
  const shared = /^export \* from '(\.\.\/chunks\/[^']+)'/.exec(code)?.[1]
  return shared ? readFileSync(join(dirname(file), shared), 'utf8') : code
}
