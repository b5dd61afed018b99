/**
 * The ACL that docs/limits-and-permissions.md gives: with exactly these rights, a clean step
 * (a command that leaves nothing behind) is a `pass` with no warning. Real redis-server, the bundles.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runJob } from './helpers/action-runner.js'
import { redisPerFile } from './helpers/redis-server.js'
import { redisCommand } from './helpers/resp.js'

const startRedis = redisPerFile()

/** The ACL lines from the docs page, with PASSWORD as the password: the test reads the page itself. */
function documentedAcl(): string[][] {
  const page = readFileSync(join(process.cwd(), 'docs', 'limits-and-permissions.md'), 'utf8')
  const block = /<!-- acl -->\n```\n([\s\S]*?)```/.exec(page)?.[1] ?? ''
  return block
    .split('\n')
    .filter((l) => l.startsWith('ACL SETUSER'))
    .map((l) => l.replace(/\s+#.*$/, '').split(/\s+/).slice(1))
}

describe('the documented ACL', () => {
  it('gives pass with no warning on a clean step', async () => {
    const r = await startRedis()
    const acl = documentedAcl()
    expect(acl.length).toBeGreaterThan(0)
    for (const rule of acl) expect(await redisCommand(r.port, 'ACL', ...rule.map((w) => w.replace('>PASSWORD', '>s3cret')))).toBe('OK')
    const { main, post } = await runJob({ 'redis-url': `redis://memory-guard:s3cret@127.0.0.1:${r.port}`, 'sample-interval': '100ms', 'fail-on': 'oom' }, async () => {
      // The tests' own command, as the default user: a step that sent none gets a warning of its own.
      await redisCommand(r.port, 'SET', 'clean', '1')
      await redisCommand(r.port, 'DEL', 'clean')
      await new Promise((resolve) => setTimeout(resolve, 300))
    })
    expect(main.code).toBe(0)
    expect(post.code).toBe(0)
    expect(post.stdout.split('\n').filter((l) => l.startsWith('::warning') || l.startsWith('::error'))).toEqual([])
    expect(post.outputs.verdict).toBe('pass')
    expect(post.summary).not.toMatch(/NOPERM|grant \+/)
  })
})
