#!/usr/bin/env node
/**
 * Writes the action's name, `<owner>/redis-memory-guard`, into the README and docs/ from the one
 * place that names it: the `repository` field of package.json. Until the project is published
 * there, the owner is the placeholder OWNER.
 *
 *   node scripts/set-owner.mjs            (npm run set-owner)   rewrite the files
 *   node scripts/set-owner.mjs --check    fail when a file names another owner than package.json
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const url = typeof pkg.repository === 'string' ? pkg.repository : (pkg.repository?.url ?? '')
const match = /github\.com[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?$/.exec(url)
if (!match) {
  console.error(`set-owner: package.json's repository ("${url}") is not a GitHub URL like git+https://github.com/OWNER/${pkg.name}.git`)
  process.exit(2)
}
const name = `${match[1]}/${match[2]}`
// `uses: <owner>/<repo>@ref` and links to github.com/<owner>/<repo>, whatever owner they name now.
const uses = new RegExp(`([\\w.-]+)/${match[2].replace(/[.]/g, '\\.')}(?=@)`, 'g')
const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))].map((f) => join(root, f))
const check = process.argv.includes('--check')
let wrong = 0
for (const file of files) {
  const text = readFileSync(file, 'utf8')
  const updated = text.replace(uses, name)
  if (updated === text) continue
  if (check) {
    wrong++
    console.error(`${relative(root, file)} names another owner than package.json's repository (${name}): run npm run set-owner`)
  } else {
    writeFileSync(file, updated)
    console.log(`${relative(root, file)}: ${name}`)
  }
}
if (wrong > 0) process.exit(1)
if (check) console.log(`set-owner: README.md and docs/ name the action ${name}`)
