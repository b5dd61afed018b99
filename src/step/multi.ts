/**
 * Several Redis instances, a Redis Cluster or a Sentinel-managed master in one step: a layer over
 * the single-instance engine (engine.ts). Each server the instances stand for gets its own begun
 * step (work folder, "before" snapshot, sampler), the key analysis runs on masters only (a
 * replica holds copies of its master's keys), and `judgeMulti` folds the per-node reports into one
 * report whose verdict is the worst node's and whose checks name the instance they are about.
 * With exactly one plain instance the front ends do not come here: that path stays as it was.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { breachOf, limitCheck, verdictOf, type CheckResult, type Thresholds } from '../judge/checks.js'
import { ConnectionError, UserError, describeError } from '../core/errors.js'
import { HashTagTally, mergeInventories, type HashTagFigure, type MergedGroup } from '../keys/cluster.js'
import type { Inventory } from '../keys/tally.js'
import { summarizeInstances, type InstancesReport, type NodeFigures } from '../judge/nodes.js'
import type { InstanceSpec, SentinelSpec } from '../redis/instances.js'
import { hostPort, type RedisTarget } from '../redis/target.js'
import { checkFailover, resolveInstances, type ClusterNode, type FailoverCheck, type WatchedNode } from '../redis/topology.js'
import type { Report, Verdict } from '../report/schema.js'
import type { CommandReport } from '../run/output.js'
import { beginStep, endStep, judgeStep, observeNow, type BegunStep, type BeginOptions, type EndOptions, type StepConfig, type StepRecord, type WatchedCommand } from './engine.js'
import { commandEnv, exportLine, runCommand, type CommandRun } from '../run/command.js'
import type { StepHost } from '../core/host.js'
import type { AttachedNodesLimits } from '../provision/attach.js'

/** What every node's step shares; each node gets its own target and work folder. */
export type MultiConfig = Omit<StepConfig, 'target' | 'workDir'> & {
  /** The step's folder; each node works in a folder of its own inside it. */
  workDir: string
  cluster: 'auto' | 'off'
  /** Applies the TLS settings to a node's target (a rediss:// cluster's nodes need the same files). */
  withTls?: (t: RedisTarget) => RedisTarget
}

/** One node's begun step, as plain data: the action's main step hands the list to its post step. */
export interface BegunNode {
  instance: string
  node: ClusterNode | null
  target: RedisTarget
  begun: BegunStep | null
  /** Where a Sentinel master was found, to ask again after the step. */
  sentinel?: { spec: SentinelSpec; previous: { host: string; port: number } }
  /** Why the node's step could not begin (it is still ended and reported, as unknown). */
  beginError?: string
}

export interface BegunMulti {
  kind: 'multi'
  nodes: BegunNode[]
}

/** A node's record after the step, with where it sits. */
export interface NodeRecord {
  instance: string
  node: ClusterNode | null
  record: StepRecord
}

export interface MultiRecord {
  nodes: NodeRecord[]
  failovers: Record<string, FailoverCheck>
  /** Per cluster instance: prefixes merged over its masters. */
  merged: Record<string, MergedGroup[]>
  errors: string[]
  /** The command that ran during the step, once for all nodes. */
  command?: CommandReport
  /** Per cluster instance: the hash tags its masters' keys carry most, and the keys counted. */
  hashTags?: Record<string, { tags: HashTagFigure[]; totalKeys: number }>
}

/** The single path's begin options, with attach mode's limits heard for every server at once. */
export type MultiBeginOptions = Omit<BeginOptions, 'onLimits'> & { onLimits?: (all: AttachedNodesLimits) => void }

/** The name a node's lines and findings carry: `queue`, or `cache 127.0.0.1:7001`. */
export function nodeLabel(n: { instance: string; node: ClusterNode | null }): string {
  return n.node === null ? n.instance : `${n.instance} ${hostPort(n.node)}`
}

/** A host whose lines say which node they are about. */
export function labelledHost(host: StepHost, label: string): StepHost {
  return {
    ...host,
    info: (line) => host.info(`[${label}] ${line}`),
    warn: (line) => host.warn(`[${label}] ${line}`),
    debug: (line) => host.debug(`[${label}] ${line}`),
    progress: (line) => host.progress(`[${label}] ${line}`),
    group: (title, fn) => host.group(`[${label}] ${title}`, fn)
  }
}

function nodeConfig(config: MultiConfig, n: { node: ClusterNode | null; target: RedisTarget }, workDir: string): StepConfig {
  const target = config.withTls ? config.withTls(n.target) : n.target
  // Replicas hold their masters' keys: scanning them would count every key twice.
  const keys = n.node?.role === 'replica' ? { ...config.keys, enabled: false } : config.keys
  return {
    target,
    connectTimeoutMs: config.connectTimeoutMs,
    keys,
    sampling: { ...config.sampling, ...(target.tls ? {} : { tls: undefined }) },
    workDir
  }
}

/** Turns the instances into the servers to watch (cluster expansion, Sentinel), saying what it found. */
export async function resolveNodes(specs: InstanceSpec[], config: Pick<MultiConfig, 'cluster' | 'connectTimeoutMs'>, host: StepHost): Promise<WatchedNode[]> {
  const opts = { cluster: config.cluster, connectTimeoutMs: config.connectTimeoutMs, onRetry: (attempt: number, reason: string) => host.info(`Attempt ${attempt}: ${reason}; retrying`) }
  const perSpec = await Promise.all(
    specs.map(async (spec) => {
      try {
        return await resolveInstances([spec], opts)
      } catch (err) {
        // A plain server that cannot be reached is still watched (and reported as not reached); the others go on.
        if (spec.kind === 'direct' && err instanceof ConnectionError) return [{ instance: spec.name, node: null, target: spec.target }]
        throw err
      }
    })
  )
  const nodes: WatchedNode[] = perSpec.flat()
  for (const spec of specs) {
    const own = nodes.filter((n) => n.instance === spec.name)
    if (own.length > 1) host.info(`${spec.name}: a Redis Cluster of ${own.filter((n) => n.node?.role === 'master').length} masters and ${own.filter((n) => n.node?.role === 'replica').length} replicas; watching every node.`)
    const s = own[0]?.sentinel
    if (s) host.info(`${spec.name}: the sentinel at ${hostPort(s.resolution.sentinel)} names the master ${hostPort(s.resolution)}.`)
  }
  return nodes
}

/**
 * Begins one step per node, all at once (the masters' key inventories run in parallel). A node
 * that cannot be begun is remembered with its error, so the report names it rather than hiding it;
 * when no node at all could be begun, the first error is thrown (as the single path does).
 */
export async function beginMulti(specs: InstanceSpec[], config: MultiConfig, host: StepHost, opts: MultiBeginOptions = {}): Promise<BegunMulti> {
  const watched = await resolveNodes(specs, config, host)
  // Every server's limits as soon as they are set: the front end saves the whole list each time.
  const applied: AttachedNodesLimits = { kind: 'attach-nodes', nodes: [] }
  const nodes = await Promise.all(
    watched.map(async (w, i): Promise<BegunNode> => {
      const label = nodeLabel(w)
      const base: BegunNode = {
        instance: w.instance,
        node: w.node,
        target: w.target,
        begun: null,
        ...(w.sentinel ? { sentinel: { spec: w.sentinel.spec, previous: { host: w.sentinel.resolution.host, port: w.sentinel.resolution.port } } } : {})
      }
      try {
        const dir = join(config.workDir, `node-${i}`)
        await mkdir(dir, { recursive: true })
        const { onLimits, ...begin } = opts
        const { begun } = await beginStep(nodeConfig(config, w, dir), labelledHost(host, label), {
          ...begin,
          onLimits: (limits) => {
            applied.nodes.push({ ...limits, url: w.target.url, label })
            onLimits?.({ ...applied, nodes: [...applied.nodes] })
          }
        })
        return { ...base, begun }
      } catch (err) {
        return { ...base, beginError: describeError(err) }
      }
    })
  )
  const failed = nodes.filter((n) => n.begun === null)
  // Nothing to watch at all: fail the way the single path does, with the reason in one line.
  if (failed.length === nodes.length) throw new UserError(`${nodeLabel(failed[0])}: ${failed[0].beginError}`)
  for (const f of failed) host.warn(`${nodeLabel(f)}: the start of the step failed (${f.beginError}); it is reported as not observed.`)
  return { kind: 'multi', nodes }
}

/**
 * Ends every node's step at once. A Sentinel instance asks its sentinels again first: after a
 * failover, the "after" snapshot is taken of the new master. Never throws.
 */
/**
 * A whole step over several nodes around one command (the action's `run` input, the CLI's `run`):
 * begin every node, run the command once (its REDIS_URL is the first node), end every node.
 */
export async function runMultiStep(
  specs: InstanceSpec[],
  config: MultiConfig,
  host: StepHost,
  watched: WatchedCommand,
  begin: MultiBeginOptions = {}
): Promise<{ begun: BegunMulti; record: MultiRecord; command: CommandRun }> {
  const begun = await beginMulti(specs, config, host, begin)
  host.info(exportLine(begun.nodes[0].target, watched.startedForRun, watched.exportEnv ?? false))
  host.info(`Watching ${begun.nodes.length} Redis servers; running the command, the report follows when it ends.`)
  const command = await runCommand({
    command: watched.command,
    env: commandEnv(watched.env, begun.nodes[0].target, watched.startedForRun || (watched.exportEnv ?? false)),
    // Every node's password, kept out of the command text in the report.
    hide: [...new Set(begun.nodes.map((n) => n.target.password).filter((p): p is string => Boolean(p)))],
    stdout: watched.stdout,
    onSpawn: watched.onSpawn
  })
  const { startError: _startError, ...report } = command
  const record = await endMulti(begun, config, host, { command: report })
  return { begun, record, command }
}

export async function endMulti(begun: BegunMulti, config: MultiConfig, host: StepHost, opts: Omit<EndOptions, 'target'> = {}): Promise<MultiRecord> {
  const failovers: Record<string, FailoverCheck> = {}
  const errors: string[] = []
  // One tally per cluster instance over all its masters: a tag pins its keys to one slot.
  const tallies = new Map<string, HashTagTally>()
  for (const n of begun.nodes) if (n.node?.role === 'master' && !tallies.has(n.instance)) tallies.set(n.instance, new HashTagTally())
  const records = await Promise.all(
    begun.nodes.map(async (n, i): Promise<NodeRecord> => {
      const label = nodeLabel(n)
      let target: RedisTarget = n.target
      if (n.sentinel) {
        try {
          const check = await checkFailover(n.sentinel.spec, n.sentinel.previous, { timeoutMs: Math.min(config.connectTimeoutMs, 10_000) })
          failovers[n.instance] = check
          if (check.failedOver) {
            host.warn(`${n.instance}: the master failed over from ${hostPort(check.previous)} to ${hostPort(check.current)} during the step; the "after" snapshot is the new master's.`)
            target = check.current.target
          }
        } catch (err) {
          errors.push(`${n.instance}: could not ask the sentinels again after the step (${describeError(err)}); a failover would go unnoticed.`)
        }
      }
      const cfg = nodeConfig(config, { node: n.node, target }, n.begun?.workDir ?? join(config.workDir, `node-${i}`))
      // The command ran once for all nodes: its OOM lines cannot be told apart per node, so it goes on the whole report.
      const { command: _command, ...nodeOpts } = opts
      const record = await endStep(cfg, n.begun, labelledHost(host, label), {
        ...nodeOpts,
        errors: [...(opts.errors ?? []), ...(n.beginError ? [`The start of the step failed: ${n.beginError}`] : [])],
        beginFailed: Boolean(opts.beginFailed) || n.beginError !== undefined,
        target: cfg.target,
        ...(n.node?.role === 'master' ? { seeKey: (_db: number, key: string, bytes: number) => tallies.get(n.instance)?.add(key, bytes) } : {})
      })
      return { instance: n.instance, node: n.node, record }
    })
  )
  const hashTags = Object.fromEntries([...tallies].map(([instance, t]) => [instance, { tags: t.top(10), totalKeys: t.totalKeys }]))
  return { nodes: records, failovers, merged: mergedPrefixes(records), errors, hashTags, ...(opts.command ? { command: opts.command } : {}) }
}

/** The CLI's `snapshot` and `keys` over several instances: one moment of every node. */
export async function observeMulti(specs: InstanceSpec[], config: Omit<MultiConfig, 'workDir' | 'sampling'>, host: StepHost, opts: { keys: boolean }): Promise<MultiRecord> {
  const watched = await resolveNodes(specs, config, host)
  const errors: string[] = []
  const records = await Promise.all(
    watched.map(async (w): Promise<NodeRecord> => {
      const target = config.withTls ? config.withTls(w.target) : w.target
      const keys = opts.keys && w.node?.role !== 'replica'
      try {
        const record = await observeNow({ target, connectTimeoutMs: config.connectTimeoutMs, keys: config.keys }, labelledHost(host, nodeLabel(w)), { keys })
        return { instance: w.instance, node: w.node, record }
      } catch (err) {
        const record: StepRecord = { target, before: null, after: null, errors: [`Not reached: ${describeError(err)}`], sampled: { observations: {} }, keys: null }
        return { instance: w.instance, node: w.node, record }
      }
    })
  )
  return { nodes: records, failovers: {}, merged: mergedPrefixes(records), errors }
}

/** Per cluster instance, its masters' prefixes merged (from each master's largest prefixes). */
function mergedPrefixes(records: NodeRecord[]): Record<string, MergedGroup[]> {
  const out: Record<string, MergedGroup[]> = {}
  const instances = [...new Set(records.filter((r) => r.node !== null).map((r) => r.instance))]
  for (const instance of instances) {
    const byNode: Record<string, Inventory> = {}
    for (const r of records) {
      if (r.instance !== instance || r.node?.role !== 'master' || !r.record.keys) continue
      const keys = r.record.keys.keys
      const list = keys.largestPrefixes?.list ?? keys.topPrefixesByMemory
      byNode[hostPort(r.node)] = { groups: list.map((g) => ({ db: g.db, prefix: g.prefix, keys: g.keys, bytes: g.bytes, estimated: g.estimated })) } as Inventory
    }
    if (Object.keys(byNode).length > 0) out[instance] = mergeInventories(byNode)
  }
  return out
}

const RANK: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2 }

/**
 * Judges every node with the same thresholds and folds the reports into one: the verdict is the
 * worst node's, the top-level figures are that node's, every check and error names its node, and
 * `max-used-memory` is also applied to the total of all nodes' used memory.
 */
export function judgeMulti(record: MultiRecord, thresholds: Thresholds, extra?: Record<string, unknown>): Report & { instances: InstancesReport } {
  const judged = record.nodes.map((n) => ({ n, report: judgeStep(n.record, thresholds, extra) }))
  const summary = summarizeInstances({
    nodes: judged.map(({ n, report }) => ({
      instance: n.instance,
      node: n.node,
      before: n.record.before,
      after: n.record.after,
      judged: report
    })),
    merged: record.merged,
    failovers: record.failovers,
    ...(record.hashTags ? { hashTags: record.hashTags } : {})
  })
  const worst = judged.reduce((a, b) => (RANK[b.report.verdict] > RANK[a.report.verdict] ? b : a))
  const checks: CheckResult[] = judged.flatMap(({ n, report }) => report.checks.map((c) => ({ ...c, message: `${nodeLabel(n)}: ${c.message}` })))
  const total = totalUsedMemoryCheck(summary.total.usedMemory, summary.total.complete, thresholds)
  if (total) checks.push(total)
  const errors = [...record.errors, ...judged.flatMap(({ n, report }) => report.errors.map((e) => `${nodeLabel(n)}: ${e}`))]
  const sum = (pick: (r: Report) => number | null): number | null =>
    judged.some(({ report }) => pick(report) === null) ? null : judged.reduce((s, { report }) => s + (pick(report) as number), 0)
  const statusVerdict = verdictOf(checks, thresholds.failOn)
  const nodeVerdict = worst.report.verdict
  const verdict: Verdict = RANK[statusVerdict] > RANK[nodeVerdict] ? statusVerdict : nodeVerdict
  const leakedByDb: Record<string, number> = {}
  for (const { report } of judged) for (const [db, k] of Object.entries(report.leakedKeysByDb)) leakedByDb[db] = (leakedByDb[db] ?? 0) + k
  const instances: InstancesReport = {
    ...summary,
    nodes: judged.map(({ n, report }) => ({
      instance: n.instance,
      address: n.node ? hostPort(n.node) : null,
      target: report.target.url,
      verdict: report.verdict,
      checks: report.checks,
      errors: report.errors
    })),
    totalLimit: total ? { maxUsedMemory: total.limit, usedMemory: total.measured, status: total.status } : null
  }
  // The command's own OOM lines: counted once for the whole step, since they cannot name a node.
  const commandOom = record.command?.oomLines ?? 0
  if (commandOom > 0 && (summary.total.oomErrors ?? 0) < commandOom) {
    errors.push(`The command printed ${commandOom} OOM error lines, more than the nodes counted; which node refused them is unknown.`)
  }
  const { command: _nodeCommand, ...top } = worst.report
  return {
    ...top,
    ...(record.command ? { command: record.command } : {}),
    verdict: errors.length > 0 && verdict === 'pass' ? 'warn' : verdict,
    oomErrors: sum((r) => r.oomErrors),
    rejectedCalls: sum((r) => r.rejectedCalls),
    evictedKeys: sum((r) => r.evictedKeys),
    leakedKeys: sum((r) => r.leakedKeys),
    leakedKeysByDb: leakedByDb,
    checks,
    // The findings are in `instances.findings`, shown with the per-node table: not repeated here.
    notes: [...judged.flatMap(({ n, report }) => report.notes.map((x) => `${nodeLabel(n)}: ${x}`))],
    errors,
    instances
  }
}

/**
 * `max-used-memory` over the sum of every node's used memory: the same limit check as one node's,
 * stated as applying to the total too. Unknown when a node's figure is missing: a partial sum is not the total.
 */
export function totalUsedMemoryCheck(used: number | null, complete: boolean, t: Thresholds): CheckResult | null {
  if (t.maxUsedMemory === undefined) return null
  const c = limitCheck('used-memory', complete ? used : null, t.maxUsedMemory, breachOf(t), {
    what: 'used_memory in total',
    missing: 'a node could not be reached or did not report used_memory',
    over: 'max-used-memory applies to each instance and to the total.',
    advice: 'Free memory between tests, or raise max-used-memory if the suite needs it.'
  })
  return { ...c, message: `all instances: ${c.message}` }
}

/** Rows for a table, in the order given: the per-node figures (exported for the renderers). */
export type InstanceRow = NodeFigures

export type { InstancesReport, NodeReport } from '../judge/nodes.js'
