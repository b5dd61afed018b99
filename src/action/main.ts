/** The main step: read the inputs, start or limit Redis, and begin the step (or run the whole step around `run`). */
import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { UserError, describeError } from '../core/errors.js'
import { Input, ProvisionInput } from '../config/options.js'
import { provision, unusedInputs, type ProvisionResult } from '../provision/index.js'
import { parseInstances } from '../redis/instances.js'
import { beginWatch, judgeWatch, runWatch, type Watched } from '../step/watch.js'
import { checkReportPath, makeWorkDir } from '../step/files.js'
import { ProvisionOutput, State } from './constants.js'
import { actionHost } from './host.js'
import { actionInput, readInputs, stepConfig, type Settings } from './inputs.js'
import { maskSecrets } from './secrets.js'
import { saveState } from './state.js'
import { watchSetup } from './watch.js'
import type { StartedCluster } from '../provision/cluster.js'

// Loaded only on the path that needs it (ncc makes it a chunk of its own), so the usual step,
// one Redis without `run`, does not load the renderers (nor the multi-node engine: see step/watch.ts).
const publishing = () => import('./publish.js')

export async function run(): Promise<void> {
  const startedAt = Date.now()
  try {
    const settings = readInputs(actionInput)
    maskSecrets(settings, actionInput(Input.RedisUrl))
    core.debug(`Inputs read: mode ${settings.provisioning.mode}, ${settings.multi.several ? 'several instances' : 'one Redis'}, cluster-nodes ${settings.multi.clusterNodes}, run ${settings.run ? 'given' : 'not given'}, sampling every ${settings.sampleIntervalMs} ms`)
    const unused = unusedInputs(settings.provisioning, actionInput)
    if (unused.length > 0) actionHost.warn(`Ignored in mode ${settings.provisioning.mode}: ${unused.join(', ')}.`)
    const port = ignoredPort(settings, actionInput(ProvisionInput.Port))
    if (port) actionHost.warn(port)
    // Paths are checked before anything starts: a report that cannot be written must not cost a test run.
    await checkReportPath(settings.reportPath, Input.ReportPath)
    const workDir = await makeWorkDir(process.env.RUNNER_TEMP || tmpdir(), process.env.RUNNER_TEMP ? 'RUNNER_TEMP' : 'the temp folder (TMPDIR)')
    saveState(State.WorkDir, workDir)
    core.debug(`Work folder: ${workDir}`)

    // Several instances, Sentinel or a started cluster: one step per node (src/step/multi.ts).
    let cluster: StartedCluster | null = null
    if (settings.multi.clusterNodes !== 0) {
      const { provisionCluster } = await import('../provision/cluster-mode.js')
      cluster = await provisionCluster(settings.provisioning, settings.multi.clusterNodes, settings.connectTimeoutMs, actionHost, (p) => saveState(State.Provisioned, p))
      setClusterOutputs(cluster)
    }
    let watched: Watched
    let startedForRun = cluster !== null
    if (cluster !== null) watched = { kind: 'several', specs: parseInstances(cluster.seedUrl) }
    else if (settings.multi.several) watched = { kind: 'several', specs: settings.multi.instances }
    else {
      // Saved as soon as a container or server exists, so a job cancelled while it starts still removes it.
      const provided = await provision(settings.provisioning, settings.target, settings.connectTimeoutMs, actionHost, (p) => saveState(State.Provisioned, p), startedAt)
      setProvisionOutputs(provided)
      watched = { kind: 'one', config: stepConfig(settings, provided.target, workDir) }
      startedForRun = provided.started !== null
    }
    const setup = watchSetup(settings, workDir)
    if (settings.run) {
      // The `run` input: the whole step inside the main step, the report written when the command ends.
      const { begun, record, command } = await runWatch(watched, setup, { command: { shell: settings.run }, env: process.env, startedForRun, exportEnv: settings.exportEnv })
      saveState(State.Step, begun)
      const { publishRun } = await publishing()
      await publishRun(await judgeWatch(record, settings.thresholds), settings, command)
      return
    }
    const begun = await beginWatch(watched, { ...setup, samplerOutlivesProcess: true })
    saveState(State.Step, begun)
    core.info('The report follows at the end of the job, in the post step.')
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
