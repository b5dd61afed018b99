/**
 * The post step's time bound: the longest it can take, from the inputs, composed of the bounds its
 * parts already have (none is set again here). The post step enforces it: the end of the step is
 * cut at its share (endStep's deadline), the clean-up at the whole, and what was not done is said
 * with the bound's reason. docs/faults.md gives the formula in words.
 *
 *   observe = sampler stop + 3 file reads + connect + one command (the "after" snapshot)
 *             + key-scan-budget + one command (the key scan's last batch)          [no keys: 0]
 *   publish = baseline budget [baseline on, a repository and a token] + one file write (the JSON report)
 *   total   = max(observe + publish, PR comment lookup budget) + PR comment write budget  [a comment may be posted]
 *             + clean-up (what main started or changed) + one file operation (the work folder)
 */
import { COMMENT_BUDGET_MS } from '../github/comment.js'
import { DEFAULT_BUDGET_MS as BASELINE_BUDGET_MS } from '../baseline/store.js'
import { CONTAINER_REMOVE_MS } from '../provision/container.js'
import { BINARY_STOP_MS } from '../provision/binary.js'
import { RESTORE_CONNECT_MS, type Provisioned } from '../provision/index.js'
import { COMMAND_TIMEOUT_MS } from '../redis/connection.js'
import { SAMPLER_STOP_GRACE_MS } from '../sampler/control.js'
import { FILE_TIMEOUT_MS } from '../step/files.js'
import { FIRST_SAMPLE_WAIT_MS } from '../step/sampling.js'
import type { Settings } from './inputs.js'

/** When the main step already could not connect, the post step tries only briefly. */
export const POST_RETRY_AFTER_MAIN_ERROR_MS = 3000

export interface PostBound {
  /** The whole post step, from its start. */
  totalMs: number
  /** The end of the step (sampler, snapshot, keys): endStep's deadline, from the post step's start. */
  observeMs: number
  /** How long the "after" snapshot's connect is tried. */
  connectMs: number
  /** Each part by name, for the log and the docs. */
  parts: { name: string; ms: number }[]
}

export interface PostContext {
  /** The main step failed: the connect is tried only briefly. */
  mainFailed: boolean
  /** Main began a step (null: it did not get that far, so no sampler, no "before" files). */
  begun: boolean
  /** What main started or changed, which the post step cleans up; null: nothing. */
  provisioned: Provisioned | null
  /** A PR comment may be posted (its lookup was begun at the post step's start). */
  comment: boolean
  /** The baseline may be read or recorded over the GitHub API. */
  baselineApi: boolean
  /** Sampling is off, but a background process holds this job's named connection (it is stopped too). */
  holding?: boolean
}

/** How long the clean-up of what main started may take: each way of cleaning up has its own bound. */
function cleanUpMs(p: Provisioned | null): number {
  if (p === null) return 0
  switch (p.kind) {
    case 'attach':
    case 'attach-nodes':
      // Connect, then CONFIG GET/SET each within a command's bound; several servers in parallel.
      return RESTORE_CONNECT_MS + COMMAND_TIMEOUT_MS
    case 'binary':
      return BINARY_STOP_MS + FILE_TIMEOUT_MS
    case 'container':
      return CONTAINER_REMOVE_MS
    case 'cluster':
      // Nodes are stopped in parallel.
      return p.nodes.some((n) => n.kind === 'container') ? CONTAINER_REMOVE_MS : BINARY_STOP_MS + FILE_TIMEOUT_MS
  }
}

/** The post step's time bound for these inputs: the one formula, at the top of this file. */
export function postStepBound(settings: Pick<Settings, 'connectTimeoutMs' | 'sampleIntervalMs' | 'keys'>, ctx: PostContext): PostBound {
  const connectMs = ctx.mainFailed || !ctx.begun ? Math.min(settings.connectTimeoutMs, POST_RETRY_AFTER_MAIN_ERROR_MS) : settings.connectTimeoutMs
  const sampled = ctx.begun && settings.sampleIntervalMs > 0
  const keys = ctx.begun && settings.keys.enabled
  const observe = [
    { name: 'stopping the sampler', ms: sampled ? FIRST_SAMPLE_WAIT_MS + SAMPLER_STOP_GRACE_MS : ctx.begun && ctx.holding ? SAMPLER_STOP_GRACE_MS : 0 },
    { name: 'reading the "before" snapshot and the samples', ms: ctx.begun ? 3 * FILE_TIMEOUT_MS : 0 },
    { name: 'connect-timeout', ms: connectMs },
    { name: 'the "after" snapshot', ms: COMMAND_TIMEOUT_MS },
    { name: 'key-scan-budget and its last batch', ms: keys ? settings.keys.budgetMs + COMMAND_TIMEOUT_MS : 0 }
  ]
  const publish = [
    { name: 'the baseline over the GitHub API', ms: ctx.baselineApi ? BASELINE_BUDGET_MS : 0 },
    { name: 'writing the JSON report', ms: FILE_TIMEOUT_MS }
  ]
  const observeMs = observe.reduce((s, p) => s + p.ms, 0)
  const publishMs = publish.reduce((s, p) => s + p.ms, 0)
  const commentMs = ctx.comment ? COMMENT_BUDGET_MS : 0
  const after = [
    { name: 'clean-up', ms: cleanUpMs(ctx.provisioned) },
    { name: 'removing the work folder', ms: FILE_TIMEOUT_MS }
  ]
  const totalMs = Math.max(observeMs + publishMs, commentMs) + commentMs + after.reduce((s, p) => s + p.ms, 0)
  return {
    totalMs,
    observeMs,
    connectMs,
    parts: [
      ...observe,
      ...publish,
      { name: 'looking up the PR comment (from the start, alongside)', ms: commentMs },
      { name: 'posting the PR comment', ms: commentMs },
      ...after
    ].filter((p) => p.ms > 0)
  }
}

const seconds = (ms: number): number => Math.ceil(ms / 1000)

/** `the post step's time bound of 63 s was reached`: the reason for everything a bound cut; `share` names the part's own. */
export function boundReason(bound: PostBound, share?: { ms: number; what: string }): string {
  return `the post step's time bound of ${seconds(bound.totalMs)} s was reached${share ? ` (${seconds(share.ms)} s of it for ${share.what})` : ''}`
}

/** One line for the log: the bound and what it is made of. */
export function describeBound(bound: PostBound): string {
  return `This post step ends within ${seconds(bound.totalMs)} s: ${bound.parts.map((p) => `${p.name} ${seconds(p.ms)} s`).join(', ')}.`
}
