/**
 * `cluster-nodes: 3` (or 6): a throwaway local Redis Cluster for the job, in binary mode. Reports
 * every node as soon as its process runs, so a cancelled job still removes what was started.
 */
import { UserError } from '../errors.js'
import { ProvisionInput } from '../options.js'
import type { StepHost } from '../step/host.js'
import { formatDuration } from '../size.js'
import { clusterShape, startCluster, type StartedCluster, type StartedClusterNode } from './cluster.js'
import type { Provisioned } from './index.js'
import type { ProvisionSettings } from './settings.js'

/** Starts the cluster the settings ask for; refuses modes it cannot serve, naming the input to change. */
export async function provisionCluster(
  s: ProvisionSettings,
  nodes: 3 | 6,
  timeoutMs: number,
  host: StepHost,
  onStarted: (p: Provisioned) => void = () => {},
  label: (name: string) => string = (n) => n
): Promise<StartedCluster> {
  if (s.mode === 'container') {
    // The nodes would announce container addresses the runner cannot reach (cluster-announce-ip); not solved yet.
    throw new UserError(
      `${label(ProvisionInput.ClusterNodes)}: a local Redis Cluster is started in ${label(ProvisionInput.Mode)} binary only for now. Use ${label(ProvisionInput.Mode)}: binary, or start the cluster yourself and give any node's URL in ${label('redis-url')}.`
    )
  }
  if (s.mode === 'attach') {
    throw new UserError(
      `${label(ProvisionInput.ClusterNodes)}: starting a local Redis Cluster needs ${label(ProvisionInput.Mode)}: binary. To watch a cluster that runs already, give any node's URL in ${label('redis-url')}.`
    )
  }
  const shape = clusterShape(nodes, label(ProvisionInput.ClusterNodes))
  const running: StartedClusterNode[] = []
  const cluster = await startCluster({
    host,
    ...shape,
    redisServerPath: s.redisServerPath,
    maxmemory: s.maxmemory,
    maxmemoryPolicy: s.maxmemoryPolicy,
    password: s.password,
    redisArgs: s.redisArgs,
    timeoutMs,
    onStarted: (b) => {
      running.push({ ...b, role: 'master', id: '', url: '' })
      onStarted({ kind: 'cluster', nodes: [...running], seedUrl: '', urls: [] })
    }
  })
  const { readyMs, ...kept } = cluster
  onStarted(kept)
  host.info(`A local Redis Cluster of ${shape.masters} masters${shape.replicasPerMaster ? ` and ${shape.masters} replicas` : ''} reached cluster_state:ok in ${formatDuration(readyMs)}.`)
  return cluster
}
