/** The `run` input: snapshot, sample, run the command, snapshot, report, all inside the main step. */
import * as core from '@actions/core'
import { exitCodeOf, runCommand } from '../run/command.js'
import type { Snapshot } from '../snapshot.js'
import { Output, State } from './constants.js'
import { afterSnapshot, judgeAndPublish, keyStep } from './post.js'
import { collectSamples, startStepSampler, stopStepSampler } from './sampling.js'
import type { Settings } from './settings.js'

/**
 * Runs the command between the "before" snapshot (already taken) and the "after" one, with the
 * sampler watching, then writes the report. The step fails with the command's exit code when it
 * failed; the report is written either way.
 */
export async function runAndReport(settings: Settings, workDir: string, before: Snapshot): Promise<void> {
  const sampler = await startStepSampler(settings, workDir)
  core.info(`Running the command with bash -e; the report follows when it ends.`)
  const command = await runCommand(settings.run, settings.target.password ? [settings.target.password] : [])
  const stopped = sampler ? await stopStepSampler(String(sampler.pid)) : null
  const code = exitCodeOf(command)

  const errors: string[] = []
  const sampled = await collectSamples(workDir, sampler?.startedAt ?? '', settings, before, stopped, errors)
  const keys = keyStep(settings, workDir, before, errors)
  const after = await afterSnapshot(settings, settings.connectTimeoutMs, errors, keys.run)
  await judgeAndPublish(settings, { before, after, errors, sampled, keys: keys.result(), command })
  core.setOutput(Output.ExitCode, code)
  core.saveState(State.ReportDone, 'true')
  if (code !== 0) {
    core.setFailed(`The command failed with exit code ${code}. The Redis memory report was written all the same.`)
    process.exitCode = code
  }
}
