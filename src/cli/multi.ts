/**
 * The CLI's side of several instances, a Redis Cluster or Sentinel: `--url` with several URLs
 * (or several `--url`), `--cluster auto|off`, and `run --cluster-nodes 3|6` for a throwaway
 * cluster. The engine work is in src/step/multi.ts; this file reads flags and prints.
 */
import { readInstanceOptions, type InstanceOptions } from '../config/instance-options.js'
import { ProvisionInput } from '../config/options.js'
import { provisionCluster } from '../provision/cluster-mode.js'
import { stopCluster } from '../provision/cluster.js'
import { readProvisionSettings } from '../provision/settings.js'
import { parseInstances, type InstanceSpec } from '../redis/instances.js'
import { withTls } from '../redis/tls.js'
import { observeMulti, type MultiConfig, type MultiRecord } from '../step/multi.js'
import { isClusterEnabled } from '../redis/topology.js'
import type { RedisTarget } from '../redis/target.js'
import { stringOption } from './args.js'
import { CLI_SAMPLE_INTERVAL_MS, cliHost, connectTimeout, flagName, open, sampleInterval, tlsSettings, type Context } from './context.js'
import { defaultUrl } from './target.js'
import type { KeySettings } from '../keys/settings.js'

const CLI_SAMPLER_MAX_LIFE_MS = 24 * 3_600_000
const CLUSTER_START_MS = 60_000

/** `--url`, `--cluster` and `--cluster-nodes`, read by the action's reader under the flags' names. */
export function instanceOptions(ctx: Context): InstanceOptions {
  return readInstanceOptions((name) => stringOption(ctx.args, name === 'redis-url' ? 'url' : name), flagName, defaultUrl(ctx.env))
}

/** The engine's configuration for several nodes, from the flags. */
export function multiConfig(ctx: Context, keys: KeySettings, workDir: string): MultiConfig {
  const tls = tlsSettings(ctx)
  return {
    connectTimeoutMs: connectTimeout(ctx),
    keys,
    sampling: { intervalMs: ctx.command === 'run' ? sampleInterval(ctx) : CLI_SAMPLE_INTERVAL_MS, maxLifeMs: CLI_SAMPLER_MAX_LIFE_MS, tls },
    workDir,
    cluster: instanceOptions(ctx).cluster,
    withTls: (t) => (t.tls ? withTls(t, tls, flagName) : t)
  }
}

/** A throwaway local cluster for `run --cluster-nodes`: its seed as the instance, and how to stop it. */
export async function startThrowawayCluster(ctx: Context, nodes: 3 | 6): Promise<{ specs: InstanceSpec[]; urls: string[]; stop(): Promise<void> }> {
  const settings = readProvisionSettings((name) =>
    name === ProvisionInput.Mode ? 'binary' : name === ProvisionInput.Port ? '0' : name === ProvisionInput.RedisServerPath ? stringOption(ctx.args, name) : ''
  )
  const host = cliHost(ctx)
  const cluster = await provisionCluster(settings, nodes, CLUSTER_START_MS, { ...host, info: () => {} }, () => {}, flagName)
  // The nodes run in their own process groups; they must still not outlive the CLI.
  const onExit = (): void => {
    for (const n of cluster.nodes) {
      // The CLI starts its throwaway clusters in binary mode only.
      if (n.kind !== 'binary') continue
      try {
        process.kill(n.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  process.once('exit', onExit)
  ctx.log.info(`Started a throwaway Redis Cluster of ${cluster.nodes.length} nodes (seed ${cluster.seedUrl}); the command gets the seed as REDIS_URL. It is stopped afterwards.`)
  let stopped: Promise<void> | null = null
  return {
    specs: parseInstances(cluster.seedUrl),
    urls: cluster.urls,
    stop() {
      stopped ??= stopCluster(cluster, { quiet: true }).finally(() => process.removeListener('exit', onExit))
      return stopped
    }
  }
}

/**
 * `snapshot` and `keys` over several nodes: null when `--url` names one plain server that is not
 * a cluster node (the single path then runs as before), else every node's moment.
 */
export async function observeSeveral(
  ctx: Context,
  locate: () => Promise<RedisTarget>,
  keys: KeySettings,
  withKeys: boolean
): Promise<{ several: MultiRecord | null; target: RedisTarget | null }> {
  const opts = instanceOptions(ctx)
  let specs = opts.several ? opts.instances : null
  let target: RedisTarget | null = null
  if (specs === null && opts.cluster === 'auto') {
    target = await locate()
    const conn = await open(ctx, target)
    try {
      if (await isClusterEnabled(conn)) specs = parseInstances(target.url, flagName('redis-url'))
    } finally {
      await conn.close()
    }
  }
  if (specs === null) return { several: null, target }
  const { workDir: _w, sampling: _s, ...config } = multiConfig(ctx, keys, '')
  return { several: await observeMulti(specs, config, cliHost(ctx), { keys: withKeys }), target }
}
