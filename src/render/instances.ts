/**
 * Several instances or cluster nodes in the report: one row per node plus a total, the findings
 * that name their instance, and the imbalance. The model is built here once; the job summary
 * (a ReportExtension) and the terminal only lay it out. Names and findings carry text from Redis
 * (key prefixes, hash tags) and from redis-url (instance names): escaped wherever they go.
 */
import type { CheckStatus } from '../judge/checks.js'
import type { NodeFigures, Totals } from '../judge/nodes.js'
import type { Report } from '../report/schema.js'
import { formatBytes, formatCount } from '../core/size.js'
import { codeText, escapeMarkdown } from './escape.js'
import type { ReportExtension, ReportSection } from './section.js'

/** One row as text: unknown figures are `n/a`, never 0. */
export interface InstanceRowView {
  name: string
  role: string
  used: string
  peak: string
  maxmemory: string
  oom: string
  evicted: string
  keys: string
  /** The node's own verdict as a check status; null for the total row. */
  status: CheckStatus | null
}

export interface InstancesView {
  rows: InstanceRowView[]
  total: InstanceRowView
  /** How `max-used-memory` applied to the total, in words; null when no limit was set. */
  totalLimit: string | null
  findings: string[]
}

const num = (n: number | null): string => (n === null ? 'n/a' : formatCount(n))
const bytes = (n: number | null): string => (n === null ? 'n/a' : formatBytes(n))

function rowView(r: NodeFigures, status: CheckStatus | null): InstanceRowView {
  return {
    name: r.address === null ? r.instance : `${r.instance} ${r.address}`,
    role: r.role ?? 'server',
    used: r.reached ? bytes(r.usedMemory) : 'not reached',
    peak: bytes(r.peakMemory),
    maxmemory: r.reached ? (r.maxmemory === null ? 'none' : formatBytes(r.maxmemory)) : 'n/a',
    oom: num(r.oomErrors),
    evicted: num(r.evictedKeys),
    keys: num(r.keys),
    status
  }
}

function totalView(t: Totals): InstanceRowView {
  return {
    name: `total (${t.nodes} ${t.nodes === 1 ? 'node' : 'nodes'}${t.unreached > 0 ? `, ${t.unreached} not reached` : ''})`,
    role: '',
    used: bytes(t.usedMemory),
    peak: '',
    maxmemory: t.maxmemory === null ? 'none' : formatBytes(t.maxmemory),
    oom: num(t.oomErrors),
    evicted: num(t.evictedKeys),
    keys: num(t.keys),
    status: null
  }
}

/** The view of `report.instances`; null for a report about one Redis. */
export function instancesView(report: Report): InstancesView | null {
  const inst = report.instances
  if (!inst) return null
  const rows = inst.rows.map((r, i) => rowView(r, inst.nodes[i]?.verdict ?? null))
  const lim = inst.totalLimit
  const totalLimit =
    lim && lim.maxUsedMemory !== null
      ? lim.status === 'unknown'
        ? `max-used-memory (${formatBytes(lim.maxUsedMemory)}) applies to each node and to the total; the total could not be checked.`
        : `max-used-memory (${formatBytes(lim.maxUsedMemory)}) applies to each node and to the total: ${bytes(lim.usedMemory)} in total, ${lim.status === 'pass' ? 'within it' : 'over it'}.`
      : null
  return { rows, total: totalView(inst.total), totalLimit, findings: [...inst.findings] }
}

const MARK: Record<CheckStatus, string> = { pass: '✅', warn: '⚠️', fail: '❌', reported: '➖', unknown: '❔' }

/** The per-node table for markdown, every name escaped. */
export function instancesTable(view: InstancesView): string {
  const lines = ['| Instance / node | Role | Used | Peak | maxmemory | OOM errors | Evicted | Keys | Verdict |', '|---|---|---:|---:|---:|---:|---:|---:|:---:|']
  for (const r of [...view.rows, view.total]) {
    const name = r === view.total ? `**${escapeMarkdown(r.name, { prose: true })}**` : codeText(r.name, { maxLength: 120 })
    lines.push(`| ${name} | ${r.role} | ${r.used} | ${r.peak} | ${r.maxmemory} | ${r.oom} | ${r.evicted} | ${r.keys} | ${r.status ? MARK[r.status] : ''} |`)
  }
  return lines.join('\n')
}

/** The section in the job summary and the PR comment, right under the verdict's figures. */
export const instancesExtension: ReportExtension = {
  sections(report, variant): ReportSection[] {
    const view = instancesView(report)
    if (!view) return []
    const heading = variant === 'summary' ? '### Instances and nodes' : '**Instances and nodes**'
    const findings = view.findings.map((f) => `- ${escapeMarkdown(f, { prose: true, maxLength: 1000 })}`)
    const limit = view.totalLimit ? [`> ${escapeMarkdown(view.totalLimit, { prose: true })}`, ''] : []
    const text = [heading, '', instancesTable(view), '', ...limit, ...findings].join('\n').trimEnd()
    const short = [heading, '', ...limit, ...findings.slice(0, 10)].join('\n').trimEnd()
    return [{ id: 'instances', label: 'instances and nodes', importance: 90, placement: 'main', text, short }]
  }
}
