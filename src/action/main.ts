/** The main step: read the inputs, start or limit Redis, and begin the step (or run the whole step around `run`). */
import * as core from './runner.js'
import { tmpdir } from 'node:os'
import { UserError, describeError } from '../core/errors.js'
import { Input, ProvisionInput } from '../config/options.js'
import { attachLimits, provision, unusedInputs, type ProvisionResult } from '../provision/index.js'
import type { AttachedLimits } from '../provision/attach.js'
import { beginStep, judgeStep, runStep, type BeginOptions, type StepConfig } from '../step/engine.js'
import { checkReportPath, makeWorkDir } from '../step/files.js'
import { ProvisionOutput, State } from './constants.js'
import { actionHost } from './host.js'
import { readInputs, stepConfig, type Settings } from './inputs.js'
import { maskSecrets } from './secrets.js'
import { saveState } from './state.js'
import { ClusterSeed, clusterProbe } from '../step/cluster-seed.js'
import type { StartedCluster } from '../provision/cluster.js'

// Loaded only on the paths that need them (ncc makes each a chunk of its own), so the usual step,
// one Redis without `run`, does not load the multi-node engine, the cluster start or the renderers.
const multiPath = () => import('./multi.js')
const publishing = () => import('./publish.js')

export async function run(): Promise<void> {
  const startedAt = Date.now()
  try {
    const settings = readInputs((name) => core.getInput(name))
    maskSecrets(settings)
    const unused = unusedInputs(settings.provisioning, (name) => core.getInput(name))
    if (unused.length > 0) actionHost.warn(`Ignored in mode ${settings.provisioning.mode}: ${unused.join(', ')}.`)
    const port = ignoredPort(settings, core.getInput(ProvisionInput.Port))
    if (port) actionHost.warn(port)
    // Paths are checked before anything starts: a report that cannot be written must not cost a test run.
    await checkReportPath(settings.reportPath, Input.ReportPath)
    const workDir = await makeWorkDir(process.env.RUNNER_TEMP || tmpdir(), process.env.RUNNER_TEMP ? 'RUNNER_TEMP' : 'the temp folder (TMPDIR)')
    saveState(State.WorkDir, workDir)

    // Several instances, Sentinel or a started cluster: one step per node (src/step/multi.ts).
    let cluster: StartedCluster | null = null
    if (settings.multi.clusterNodes !== 0) {
      const { provisionCluster } = await import('../provision/cluster-mode.js')
      cluster = await provisionCluster(settings.provisioning, settings.multi.clusterNodes, settings.connectTimeoutMs, actionHost, (p) => saveState(State.Provisioned, p))
      setClusterOutputs(cluster)
    }
    if (cluster !== null || settings.multi.several) {
      const { beginInAction, runInAction, watchedInstances } = await multiPath()
      const specs = watchedInstances(settings, cluster)
      await (settings.run ? runInAction(settings, specs, workDir, cluster !== null) : beginInAction(settings, specs, workDir))
      return
    }

    // Saved as soon as a container or server exists, so a job cancelled while it starts still removes it.
    const provided = await provision(settings.provisioning, settings.target, settings.connectTimeoutMs, actionHost, (p) => saveState(State.Provisioned, p), startedAt)
    setProvisionOutputs(provided)
    const config = stepConfig(settings, provided.target, workDir)
    // The probe first: a cluster node hands the step to the multi path, which sets the limits on every node.
    const limits = attachLimits(settings.provisioning)
    const prepare: BeginOptions = {
      prepare: clusterProbe(settings.multi.cluster),
      ...(limits ? { limits, onLimits: (applied: AttachedLimits) => saveState(State.Provisioned, applied) } : {})
    }
    try {
      if (settings.run) {
        await runInput(settings, config, provided.started !== null, prepare)
        return
      }
      const { begun } = await beginStep(config, actionHost, { ...prepare, samplerOutlivesProcess: true })
      saveState(State.Step, begun)
      core.info('The report follows at the end of the job, in the post step.')
    } catch (err) {
      if (!(err instanceof ClusterSeed)) throw err
      // The one URL is a node of a Redis Cluster (cluster: auto): watch every node of it.
      const { beginInAction, runInAction } = await multiPath()
      await (settings.run ? runInAction(settings, settings.multi.instances, workDir, false) : beginInAction(settings, settings.multi.instances, workDir))
    }
  } catch (err) {
    const message = describeError(err)
    try {
      saveState(State.MainError, message)
    } catch {
      // The state file itself may be what failed; the step still fails with the message.
    }
    core.setFailed(message)
    if (!(err instanceof UserError) && err instanceof Error && err.stack) core.debug(err.stack)
  }
}

/** A port set beside cluster-nodes has no effect: every node gets a free port of its own (6379 is the input's default, 0 means any). */
function ignoredPort(settings: Settings, port: string): string | null {
  const value = port.trim()
  if (settings.multi.clusterNodes === 0 || value === '' || value === '0' || value === '6379') return null
  return `port: ${value} is ignored with cluster-nodes: every node listens on a free port of its own. Read the nodes' addresses from the redis-urls output (the seed is redis-url).`
}

function setProvisionOutputs({ target, started }: ProvisionResult): void {
  core.setOutput(ProvisionOutput.RedisUrl, target.url)
  core.setOutput(ProvisionOutput.RedisHost, target.host)
  core.setOutput(ProvisionOutput.RedisPort, target.port)
  core.setOutput(ProvisionOutput.ContainerId, started?.kind === 'container' ? started.id : '')
  core.setOutput(ProvisionOutput.RedisUrls, target.url)
}

/** A started cluster: its seed as redis-url, every node in redis-urls (one per line). */
function setClusterOutputs(cluster: StartedCluster): void {
  const seed = cluster.nodes[0]
  core.setOutput(ProvisionOutput.RedisUrl, cluster.seedUrl)
  core.setOutput(ProvisionOutput.RedisHost, seed.host)
  core.setOutput(ProvisionOutput.RedisPort, seed.port)
  // In container mode, every node's container id, in the order of redis-urls.
  core.setOutput(ProvisionOutput.ContainerId, cluster.nodes.map((n) => (n.kind === 'container' ? n.id : '')).filter((id) => id !== '').join('\n'))
  core.setOutput(ProvisionOutput.RedisUrls, cluster.urls.join('\n'))
}

/**
 * The `run` input: the whole step inside the main step, the report written when the command ends.
 * The step fails with the command's exit code when it failed; the report is written either way.
 */
async function runInput(settings: Settings, config: StepConfig, startedForRun: boolean, begin: BeginOptions): Promise<void> {
  const { begun, record, command } = await runStep(config, actionHost, { command: { shell: settings.run }, env: process.env, startedForRun, exportEnv: settings.exportEnv }, begin)
  saveState(State.Step, begun)
  const { publishRun } = await publishing()
  await publishRun(judgeStep(record, settings.thresholds), settings, command)
}
