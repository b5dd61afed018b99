/**
 * The action's side of several instances, a Redis Cluster or Sentinel: the main step begins one
 * step per node (or runs the `run` command around them), the post step ends and judges them. The
 * engine work is in src/step/multi.ts; this file reads settings, saves state and publishes.
 */
import * as core from './runner.js'
import { parseInstances, type InstanceSpec } from '../redis/instances.js'
import type { RedisConnection } from '../redis/connection.js'
import { withTls } from '../redis/tls.js'
import { beginMulti, clusterProbe as probeFor, endMulti, judgeMulti, runMultiStep, type BegunMulti, type MultiBeginOptions, type MultiConfig } from '../step/multi.js'
import { attachLimits } from '../provision/index.js'
import type { StartedCluster } from '../provision/cluster.js'
import { State } from './constants.js'
import { actionHost } from './host.js'
import type { Settings } from './inputs.js'
import { publish, publishRun } from './publish.js'
import { saveState } from './state.js'

export { ClusterSeed } from '../step/multi.js'

/** Checks, on the single path's first connection, whether its server is a cluster node (with `cluster: auto`). */
export function clusterProbe(settings: Settings): (conn: RedisConnection) => Promise<void> {
  return probeFor(settings.multi.cluster)
}

/** The engine's configuration for several nodes, from the inputs. */
export function multiConfig(settings: Settings, workDir: string): MultiConfig {
  return {
    connectTimeoutMs: settings.connectTimeoutMs,
    keys: settings.keys,
    sampling: { intervalMs: settings.sampleIntervalMs, maxLifeMs: settings.sampleMaxDurationMs, tls: settings.tls },
    workDir,
    cluster: settings.multi.cluster,
    withTls: (t) => (t.tls ? withTls(t, settings.tls) : t)
  }
}

/** Attach mode's maxmemory / maxmemory-policy for every server, saved for the post step to set back on each. */
function limitsOf(settings: Settings): MultiBeginOptions {
  const limits = attachLimits(settings.provisioning)
  return limits ? { limits, onLimits: (all) => saveState(State.Provisioned, all) } : {}
}

/** The instances to watch: a cluster the action started stands for itself through its seed. */
export function watchedInstances(settings: Settings, started: StartedCluster | null): InstanceSpec[] {
  return started ? parseInstances(started.seedUrl) : settings.multi.instances
}

/** The main step without `run`: begins every node's step and leaves them to the post step. */
export async function beginInAction(settings: Settings, specs: InstanceSpec[], workDir: string): Promise<void> {
  const begun = await beginMulti(specs, multiConfig(settings, workDir), actionHost, { ...limitsOf(settings), samplerOutlivesProcess: true })
  saveState(State.Step, begun)
  core.info(`Watching ${begun.nodes.length} Redis servers; the report follows at the end of the job, in the post step.`)
}

/** The `run` input over several nodes: the whole step around the command, then the report. */
export async function runInAction(settings: Settings, specs: InstanceSpec[], workDir: string, startedForRun: boolean): Promise<void> {
  const { begun, record, command } = await runMultiStep(
    specs,
    multiConfig(settings, workDir),
    actionHost,
    { command: { shell: settings.run }, env: process.env, startedForRun, exportEnv: settings.exportEnv },
    limitsOf(settings)
  )
  saveState(State.Step, begun)
  await publishRun(judgeMulti(record, settings.thresholds), settings, command)
}

/** The post step's part: end every node's step, judge them as one, publish. */
export async function endInAction(settings: Settings, begun: BegunMulti, workDir: string, mainError: string): Promise<void> {
  const record = await endMulti(begun, multiConfig(settings, workDir), actionHost, {
    errors: mainError ? [`The main step failed: ${mainError}`] : [],
    beginFailed: mainError !== ''
  })
  await publish(judgeMulti(record, settings.thresholds), settings)
}
