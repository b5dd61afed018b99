/**
 * The README a newcomer reads first: short, its two commands at the top, every input and output of
 * action.yml in its tables, and the action named as package.json's repository says.
 */
import { describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { parse } from 'yaml'

const readme = readFileSync('README.md', 'utf8')
const action = parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> }

describe('README.md', () => {
  it('fits on a few screens', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(400)
  })

  it('opens with the demo and the tests, as commands to copy', () => {
    const top = readme.split('\n').slice(0, 15).join('\n')
    expect(top).toContain('node dist/cli/index.js demo')
    expect(top).toContain('npm ci && npm test')
  })

  it('has a row for every input and output of action.yml: one in each table it belongs to', () => {
    const tablesText = readme.slice(readme.indexOf('\n## Inputs\n'), readme.indexOf('\n## More\n'))
    for (const name of new Set([...Object.keys(action.inputs), ...Object.keys(action.outputs)])) {
      const tables = Number(Object.hasOwn(action.inputs, name)) + Number(Object.hasOwn(action.outputs, name))
      expect({ name, rows: tablesText.split(`| \`${name}\` |`).length - 1 }).toEqual({ name, rows: tables })
    }
  })

  it("names the action as package.json's repository does, in the README and docs/", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/set-owner.mjs', '--check'])
    expect(stdout).toMatch(/name the action \S+\/redis-memory-guard/)
    expect(readme).toMatch(/uses: \S+\/redis-memory-guard@v1/)
  })
})
