import * as core from '@actions/core'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UserError, describeError } from '../errors.js'
import { connect } from '../redis/connection.js'
import { hostPort } from '../redis/target.js'
import { formatBytes } from '../size.js'
import { takeSnapshot, type Snapshot } from '../snapshot.js'
import { limitAttached, provision, readProvisionSettings } from '../provision/index.js'
import { totalKeys } from '../report.js'
import { BEFORE_FILE, State } from './constants.js'
import { runAndReport } from './run-step.js'
import { startStepSampler } from './sampling.js'
import { maskSecrets } from './secrets.js'
import { describeInventory, recordKeysBefore } from '../keys/run.js'
import { readSettings } from './settings.js'

/** The main step: connect to Redis and take the "before" snapshot. */
export async function run(): Promise<void> {
  const startedAt = Date.now()
  core.saveState(State.MainRan, 'true')
  try {
    const settings = readSettings((name) => core.getInput(name))
    const provisioning = readProvisionSettings((name) => core.getInput(name))
    maskSecrets(settings.target)
    const workDir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'redis-memory-guard-'))
    core.saveState(State.WorkDir, workDir)
    settings.target = await provision(provisioning, settings.target, settings.connectTimeoutMs, startedAt)

    const conn = await core.group(`Connecting to Redis at ${hostPort(settings.target)}`, () =>
      connect(settings.target, {
        timeoutMs: settings.connectTimeoutMs,
        onRetry: (attempt, reason) => core.info(`Attempt ${attempt}: ${reason}; retrying`)
      })
    )
    let before: Snapshot
    try {
      await limitAttached(conn, provisioning)
      // The key inventory comes first, so its own commands and script cache are not counted as the step's.
      if (settings.keys.enabled) {
        try {
          const inv = await core.group('Key inventory before the step', () => recordKeysBefore(conn, settings.keys, workDir, core.info))
          core.info(describeInventory(inv))
        } catch (err) {
          core.warning(`The key inventory before the step failed (${describeError(err)}): leaked keys will be counted per DB, without names.`)
        }
      }
      before = await takeSnapshot(conn)
      await writeFile(join(workDir, BEFORE_FILE), JSON.stringify(before))
      const used = before.memory.usedMemory
      core.info(
        `Before: ${before.server.kind} ${before.server.version ?? ''}, used memory ${used === null ? 'not reported' : formatBytes(used)}, ` +
          `${totalKeys(before)} keys.${settings.run ? '' : ' The report follows at the end of the job.'}`
      )
    } finally {
      await conn.close()
    }
    if (settings.run) await runAndReport(settings, workDir, before)
    else await startStepSampler(settings, workDir)
  } catch (err) {
    const message = describeError(err)
    core.saveState(State.MainError, message)
    core.setFailed(message)
    if (!(err instanceof UserError) && err instanceof Error && err.stack) core.debug(err.stack)
  }
}
