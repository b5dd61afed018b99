// Runs the action locally the way the runner does: dist/main, then your command, then dist/post
// with main's saved state passed on as STATE_* variables; prints the job summary at the end.
// Usage: npm run action:local -- <redis-url> [-- <command...>]   (inputs as INPUT_* variables also work)
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const args = process.argv.slice(2)
const sep = args.indexOf('--')
const [url] = sep < 0 ? args : args.slice(0, sep)
const command = sep < 0 ? [] : args.slice(sep + 1)
if (!url) {
  process.stderr.write('Usage: npm run action:local -- <redis-url> [-- <command...>]\n')
  process.exit(2)
}

const temp = mkdtempSync(join(tmpdir(), 'rmg-local-'))
const files = { GITHUB_STATE: join(temp, 'state'), GITHUB_OUTPUT: join(temp, 'output'), GITHUB_STEP_SUMMARY: join(temp, 'summary.md') }
for (const f of Object.values(files)) writeFileSync(f, '')
const base = { ...process.env, RUNNER_TEMP: temp, ...files, 'INPUT_REDIS-URL': url }

/** Reads the `name<<DELIM\nvalue\nDELIM` format @actions/core writes. */
function commandFile(path) {
  const out = {}
  for (const m of readFileSync(path, 'utf8').matchAll(/^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) out[m[1]] = m[3]
  return out
}

const step = (name, env) => spawnSync(process.execPath, [join('dist', name, 'index.js')], { env, stdio: 'inherit' }).status
const mainCode = step('main', base)
let commandCode = 0
if (command.length > 0 && mainCode === 0) {
  commandCode = spawnSync(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, REDIS_URL: process.env.REDIS_URL || url } }).status ?? 1
}
const state = Object.fromEntries(Object.entries(commandFile(files.GITHUB_STATE)).map(([k, v]) => [`STATE_${k}`, v]))
const postCode = step('post', { ...base, ...state })
process.stdout.write(`\n--- job summary (${files.GITHUB_STEP_SUMMARY}) ---\n${readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8')}`)
process.exit(commandCode || mainCode || postCode || 0)
