/** The action's boolean inputs are read with @actions/core's getBooleanInput: YAML 1.2's true/false spellings. */
import { describe, expect, it } from '@jest/globals'
import { newJob } from './helpers/action-runner.js'
import { redisPerFile } from './helpers/redis-server.js'

const redis = redisPerFile()

describe('boolean inputs', () => {
  it('takes the spellings a with: block may give (False, TRUE)', async () => {
    const r = await redis()
    const job = newJob()
    const main = await job.step('main', { 'redis-url': r.url, 'baseline-strict': 'False', 'sample-interval': '0' })
    expect(main.stdout).not.toContain('::error::')
    expect(main.code).toBe(0)
    const post = await job.step('post', { 'redis-url': r.url, 'baseline-strict': 'TRUE', 'sample-interval': '0' }, main.state)
    expect(post.stdout).not.toContain('is not true or false')
    expect(post.outputs.verdict).toBe('pass')
  })

  it('fails main with one line naming the input when the value is not a boolean', async () => {
    const r = await redis()
    const job = newJob()
    const main = await job.step('main', { 'redis-url': r.url, 'baseline-strict': 'maybe' })
    expect(main.code).toBe(1)
    expect(main.stdout).toContain('::error::baseline-strict: "maybe" is not true or false. Use true or false.')
    // No stack trace for a bad input.
    expect(main.stdout).not.toMatch(/\n\s+at /)
    const post = await job.step('post', { 'redis-url': r.url, 'baseline-strict': 'maybe' }, main.state)
    expect(post.summary).toContain('No report: baseline-strict: "maybe" is not true or false.')
  })
})
