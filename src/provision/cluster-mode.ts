/**
 * `cluster-nodes: 3` (or 6): a throwaway local Redis Cluster for the job, in binary or container
 * mode. Reports every node as soon as it runs, so a cancelled job still removes what was started.
 */
import { UserError } from '../core/errors.js'
import { ProvisionInput } from '../config/options.js'
import type { StepHost } from '../core/host.js'
import { formatDuration } from '../core/size.js'
import { clusterShape } from '../config/instance-options.js'
import { startCluster, type StartedCluster } from './cluster.js'
import type { Provisioned } from './index.js'
import type { ProvisionSettings } from './settings.js'

/** Starts the cluster the settings ask for; refuses attach mode, naming the input to change. */
export async function provisionCluster(
  s: ProvisionSettings,
  nodes: 3 | 6,
  timeoutMs: number,
  host: StepHost,
  onStarted: (p: Provisioned) => void = () => {},
  label: (name: string) => string = (n) => n
): Promise<StartedCluster> {
  if (s.mode === 'attach') {
    throw new UserError(
      `${label(ProvisionInput.ClusterNodes)}: starting a local Redis Cluster needs ${label(ProvisionInput.Mode)}: binary or container. To watch a cluster that runs already, give any node's URL in ${label('redis-url')}.`
    )
  }
  const shape = clusterShape(nodes, label(ProvisionInput.ClusterNodes))
  const cluster = await startCluster({
    host,
    ...shape,
    redisServerPath: s.redisServerPath,
    ...(s.mode === 'container' ? { containers: { runtime: s.runtime, image: s.image, namePrefix: s.containerName, options: s.containerOptions } } : {}),
    maxmemory: s.maxmemory,
    maxmemoryPolicy: s.maxmemoryPolicy,
    password: s.password,
    redisArgs: s.redisArgs,
    timeoutMs,
    onStarted: (running) => onStarted({ kind: 'cluster', nodes: running, seedUrl: '', urls: [] })
  })
  const { readyMs, ...kept } = cluster
  onStarted(kept)
  const what = s.mode === 'container' ? `in ${s.runtime} containers ${s.containerName}-1 to -${cluster.nodes.length}` : 'of redis-server processes'
  host.info(
    `A local Redis Cluster of ${shape.masters} masters${shape.replicasPerMaster ? ` and ${shape.masters} replicas` : ''} ${what} reached cluster_state:ok in ${formatDuration(readyMs)}.`
  )
  return cluster
}
