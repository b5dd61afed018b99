/** The sampler proves itself by its first line: the post step says when a sampler nobody waited for never wrote one. */
import { afterAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gapSample } from '../src/sampler/sample.js'
import { collectSamples, stopStepSampler, type SamplerHandle } from '../src/step/sampling.js'
import { QUIET_HOST as host } from '../src/core/host.js'

function handle(file: string, pid: number): SamplerHandle {
  return { pid, startedAt: new Date().toISOString(), file, intervalMs: 100, maxLifeMs: 60_000 }
}

describe('the sampler first line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rmg-first-line-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reports a sampler that was stopped without ever writing a sample', async () => {
    const file = join(dir, 'empty.jsonl')
    writeFileSync(file, '')
    const errors: string[] = []
    const sampled = await collectSamples(handle(file, 4242), null, 'stopped', errors, host)
    expect(errors.join('\n')).toMatch(/The background sampler \(process 4242\) never wrote a sample/)
    expect(sampled.observations.sampledPeak).toBeUndefined()
  })

  it('takes a first line, even a gap, as proof', async () => {
    const file = join(dir, 'gap.jsonl')
    writeFileSync(file, JSON.stringify(gapSample(new Date(), 'connection refused')) + '\n')
    const errors: string[] = []
    await collectSamples(handle(file, 4243), null, 'stopped', errors, host)
    expect(errors.join('\n')).not.toContain('never wrote a sample')
  })

  it('waits for the first line only while the sampler lives', async () => {
    // A process that is gone at once: stopping its sampler must not wait out the first-sample bound.
    const child = spawn(process.execPath, ['-e', '0'])
    await new Promise((resolve) => child.once('exit', resolve))
    const file = join(dir, 'never.jsonl')
    const started = Date.now()
    expect(await stopStepSampler(handle(file, child.pid ?? 0), host)).toBe('not-running')
    expect(Date.now() - started).toBeLessThan(2000)
  })
})
