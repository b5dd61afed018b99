/**
 * One Redis, several instances, or a cluster: the one place that decides which path a step takes,
 * for both front ends. One URL goes the single path, and its first connection is probed: a cluster
 * node (with `cluster: auto`) hands the step to the multi path, which watches every node. Several
 * URLs or a Sentinel go the multi path from the start. The front ends only say what to watch (after
 * provisioning it) and what to do with the report.
 */
import type { Thresholds } from '../judge/checks.js'
import type { AttachedLimits, AttachedNodesLimits } from '../provision/attach.js'
import type { ProvisionSettings } from '../provision/settings.js'
import { parseInstances, type InstanceSpec } from '../redis/instances.js'
import type { Report } from '../report/schema.js'
import type { CommandRun } from '../run/command.js'
import { ClusterSeed, clusterProbe } from './cluster-seed.js'
import { beginStep, endStep, judgeStep, observeNow, runStep, type BegunStep, type EndOptions, type StepConfig, type StepRecord, type WatchedCommand } from './engine.js'
import type { StepHost } from '../core/host.js'
import type { BegunMulti, MultiConfig, MultiRecord } from './multi.js'

// Loaded only when a step watches several servers (ncc makes it a chunk of its own), so the
// usual step, one Redis, does not load the multi-node engine.
const multiPath = () => import('./multi.js')

/** What a step watches: one Redis (a cluster node among them, found by the probe), or the instances of several URLs. */
export type Watched<C extends Pick<StepConfig, 'target'> = StepConfig> = { kind: 'one'; config: C } | { kind: 'several'; specs: InstanceSpec[] }

/** What one moment needs of the one Redis (no sampling, no work folder). */
export type MomentConfig = Pick<StepConfig, 'target' | 'connectTimeoutMs' | 'keys'>

/** How either path is set up; `multi` also serves a single URL that turns out to be a cluster node. */
export interface WatchSetup {
  multi: MultiConfig
  host: StepHost
  /** Attach mode: maxmemory / maxmemory-policy to set on every server watched. */
  limits?: Pick<ProvisionSettings, 'maxmemory' | 'maxmemoryPolicy'>
  /** Hears what was set, as soon as it was, so a job cancelled right after still sets it back. */
  onLimits?: (applied: AttachedLimits | AttachedNodesLimits) => void
  /** The sampler must outlive this process: the action's main step ends long before the tests do. */
  samplerOutlivesProcess?: boolean
}

/** A begun step of either path, as plain data (the action's main step saves it for its post step). */
export type BegunWatch = BegunStep | BegunMulti

/** What a step of either path recorded, for judgeWatch. */
export type WatchRecord = { kind: 'one'; record: StepRecord } | { kind: 'several'; record: MultiRecord }

/** Tells the saved begun step of several nodes from a single one. */
export function isBegunMulti(b: object | null): b is BegunMulti {
  return b !== null && 'kind' in b && (b as { kind: unknown }).kind === 'multi'
}

function singleOptions(setup: WatchSetup) {
  return {
    prepare: clusterProbe(setup.multi.cluster),
    ...(setup.limits ? { limits: setup.limits, onLimits: (applied: AttachedLimits) => setup.onLimits?.(applied) } : {}),
    ...(setup.samplerOutlivesProcess ? { samplerOutlivesProcess: true } : {})
  }
}

function multiOptions(setup: WatchSetup) {
  return {
    ...(setup.limits ? { limits: setup.limits, onLimits: (applied: AttachedNodesLimits) => setup.onLimits?.(applied) } : {}),
    ...(setup.samplerOutlivesProcess ? { samplerOutlivesProcess: true } : {})
  }
}

/**
 * Runs `one` for a single Redis and `several` for instances; a single URL found to be a cluster
 * node goes to `several` with every node of its cluster.
 */
async function dispatch<T, C extends Pick<StepConfig, 'target'>>(w: Watched<C>, one: (config: C) => Promise<T>, several: (specs: InstanceSpec[]) => Promise<T>): Promise<T> {
  if (w.kind === 'several') return several(w.specs)
  try {
    return await one(w.config)
  } catch (err) {
    if (!(err instanceof ClusterSeed)) throw err
    return several(parseInstances(w.config.target.url))
  }
}

/** The start of a step whose end comes later (the action's main step without `run`). */
export async function beginWatch(w: Watched, setup: WatchSetup): Promise<BegunWatch> {
  return dispatch<BegunWatch, StepConfig>(
    w,
    async (config) => (await beginStep(config, setup.host, singleOptions(setup))).begun,
    async (specs) => {
      const { beginMulti } = await multiPath()
      const begun = await beginMulti(specs, setup.multi, setup.host, multiOptions(setup))
      setup.host.info(`Watching ${begun.nodes.length} Redis servers.`)
      return begun
    }
  )
}

/** A whole step around one command (the action's `run` input, the CLI's `run`): begin, the command, end. */
export async function runWatch(w: Watched, setup: WatchSetup, command: WatchedCommand): Promise<{ begun: BegunWatch; record: WatchRecord; command: CommandRun }> {
  return dispatch<{ begun: BegunWatch; record: WatchRecord; command: CommandRun }, StepConfig>(
    w,
    async (config) => {
      const run = await runStep(config, setup.host, command, singleOptions(setup))
      return { ...run, record: { kind: 'one', record: run.record } }
    },
    async (specs) => {
      const { runMultiStep } = await multiPath()
      const run = await runMultiStep(specs, setup.multi, setup.host, command, multiOptions(setup))
      return { ...run, record: { kind: 'several', record: run.record } }
    }
  )
}

/**
 * The end of a step begun by beginWatch (the action's post step); `single` is the one Redis's
 * configuration, used when the step was not begun on several nodes (also when it was not begun at all).
 */
export async function endWatch(begun: BegunWatch | null, single: StepConfig, setup: Pick<WatchSetup, 'multi' | 'host'>, opts: EndOptions = {}): Promise<WatchRecord> {
  if (begun !== null && isBegunMulti(begun)) {
    const { endMulti } = await multiPath()
    const { target: _target, ...multiOpts } = opts
    return { kind: 'several', record: await endMulti(begun, setup.multi, setup.host, multiOpts) }
  }
  return { kind: 'one', record: await endStep(single, begun, setup.host, opts) }
}

/** One moment instead of a step (the CLI's `snapshot` and `keys`), with or without the key analysis. */
export async function observeWatch(w: Watched<MomentConfig>, setup: Pick<WatchSetup, 'multi' | 'host'>, opts: { keys: boolean }): Promise<WatchRecord> {
  const several = async (specs: InstanceSpec[]): Promise<WatchRecord> => {
    const { observeMulti } = await multiPath()
    const { workDir: _w, sampling: _s, ...config } = setup.multi
    return { kind: 'several', record: await observeMulti(specs, config, setup.host, opts) }
  }
  return dispatch(w, async (config) => ({ kind: 'one', record: await observeNow(config, setup.host, { ...opts, prepare: clusterProbe(setup.multi.cluster) }) }), several)
}

/**
 * The report of either path. Several nodes are judged each with the same thresholds and folded
 * into one report (judgeMulti); the multi-node engine is loaded only for them.
 */
export async function judgeWatch(record: WatchRecord, thresholds: Thresholds, extra?: Record<string, unknown>): Promise<Report> {
  if (record.kind === 'one') return judgeStep(record.record, thresholds, extra)
  const { judgeMulti } = await multiPath()
  return judgeMulti(record.record, thresholds, extra)
}
