/**
 * The options for more than one Redis, read the same way by the action's inputs and the CLI's
 * flags: `redis-url` (`--url`) holding several instances, `cluster: auto|off` and `cluster-nodes`.
 */
import { UserError } from '../core/errors.js'
import { Input, ProvisionInput, type GetValue, type Label } from './options.js'
import { parseClusterMode, parseInstances, type InstanceSpec } from '../redis/instances.js'

export interface InstanceOptions {
  /** The instances `redis-url` names; one plain URL gives one `direct` instance. */
  instances: InstanceSpec[]
  /** True when the text names more than one instance or a Sentinel: the multi-node layer runs. */
  several: boolean
  cluster: 'auto' | 'off'
  /** 0 = start no cluster; 3 or 6 = start a local cluster of that many nodes. */
  clusterNodes: 0 | 3 | 6
}

/** Does the text name more than one thing (a list, a name, a Sentinel)? One plain URL keeps the single path. */
export function looksLikeSeveral(text: string): boolean {
  return /[\r\n]|,\s*(?:[A-Za-z][\w.-]*\s*=\s*)?[a-z][a-z0-9+.-]*:\/\/|^\s*[A-Za-z][\w.-]*\s*=\s*[a-z][a-z0-9+.-]*:\/\/|^\s*rediss?\+sentinel:/i.test(text.trim())
}

/** Reads `redis-url` (its instances), `cluster` and `cluster-nodes`; a bad value names the option. */
export function readInstanceOptions(get: GetValue, label: Label = (n) => n, defaultUrl = 'redis://localhost:6379'): InstanceOptions {
  const text = get(Input.RedisUrl).trim() || defaultUrl
  const several = looksLikeSeveral(text)
  const instances = several ? parseInstances(text, label(Input.RedisUrl)) : parseInstances(text.trim(), label(Input.RedisUrl))
  const cluster = parseClusterMode(get(Input.Cluster), label(Input.Cluster))
  const nodesText = get(ProvisionInput.ClusterNodes).trim()
  let clusterNodes: 0 | 3 | 6 = 0
  if (nodesText !== '' && nodesText !== '0') {
    if (!/^\d+$/.test(nodesText)) {
      throw new UserError(`${label(ProvisionInput.ClusterNodes)}: "${nodesText}" is not a cluster size. Use 3 (three masters) or 6 (three masters with one replica each).`)
    }
    clusterShape(Number(nodesText), label(ProvisionInput.ClusterNodes))
    clusterNodes = Number(nodesText) as 3 | 6
  }
  return { instances, several: several && (instances.length > 1 || instances.some((i) => i.kind === 'sentinel')), cluster, clusterNodes }
}

/** `cluster-nodes` → masters and replicas: 3 → 3+0, 6 → 3+3; anything else is refused. */
export function clusterShape(nodes: number, inputName = 'cluster-nodes'): { masters: number; replicasPerMaster: 0 | 1 } {
  if (nodes === 3) return { masters: 3, replicasPerMaster: 0 }
  if (nodes === 6) return { masters: 3, replicasPerMaster: 1 }
  throw new UserError(`${inputName}: "${nodes}" is not a cluster size. Use 3 (three masters) or 6 (three masters with one replica each).`)
}
