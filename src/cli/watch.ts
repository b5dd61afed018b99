/**
 * The CLI's settings for the step engine's one dispatch (src/step/watch.ts): `--url` with several
 * URLs (or several `--url`), `--cluster auto|off`, and `run --cluster-nodes 3|6` for a throwaway
 * cluster. The engine decides which path a step takes; this file reads flags and what to watch.
 */
import { readInstanceOptions, type InstanceOptions } from '../config/instance-options.js'
import { ProvisionInput } from '../config/options.js'
import { provisionCluster } from '../provision/cluster-mode.js'
import { stopCluster } from '../provision/cluster.js'
import { readProvisionSettings } from '../provision/settings.js'
import { parseInstances, type InstanceSpec } from '../redis/instances.js'
import { withTls } from '../redis/tls.js'
import type { MultiConfig } from '../step/multi.js'
import type { MomentConfig, Watched, WatchSetup } from '../step/watch.js'
import { stringOption } from './args.js'
import { CLI_SAMPLE_INTERVAL_MS, cliHost, connectTimeout, flagName, locateRedis, sampleInterval, tlsSettings, type Context } from './context.js'
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

/** The engine's setup for either path, from the flags. */
export function watchSetup(ctx: Context, keys: KeySettings, workDir: string): WatchSetup {
  return { multi: multiConfig(ctx, keys, workDir), host: cliHost(ctx) }
}

/** What `snapshot` and `keys` look at: the instances `--url` names, or the one Redis found (a cluster node among them). */
export async function observed(ctx: Context, keys: KeySettings): Promise<Watched<MomentConfig>> {
  const opts = instanceOptions(ctx)
  if (opts.several) return { kind: 'several', specs: opts.instances }
  const { target } = await locateRedis(ctx, false)
  return { kind: 'one', config: { target, connectTimeoutMs: connectTimeout(ctx), keys } }
}
