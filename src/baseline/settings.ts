/**
 * The baseline's inputs (action) and flags (CLI), read through one `get(name)` like
 * readThresholds, and the decision what this run does with the baseline. Pure.
 */
import { UserError } from '../core/errors.js'
import type { GetValue, Label } from '../config/options.js'
import { parseBoolean } from '../provision/settings.js'
import { parseNumber, parseSize } from '../core/size.js'

/** The inputs, spelled once. */
export const BaselineInput = {
  Baseline: 'baseline',
  BaselineBranch: 'baseline-branch',
  BaselineBranches: 'baseline-branches',
  BaselineStrict: 'baseline-strict',
  MaxPeakIncrease: 'max-peak-increase',
  MaxUsedIncrease: 'max-used-increase',
  MaxLeakedKeysIncrease: 'max-leaked-keys-increase'
} as const

export const DEFAULT_DATA_BRANCH = 'redis-memory-guard-data'

/**
 * How much a byte figure may grow against the baseline. With both parts set, a change breaches
 * only when it exceeds both (`10%,2mb`): a percent alone flags tiny absolute changes on a small
 * Redis, a size alone flags ordinary growth on a large one.
 */
export interface ByteIncreaseLimit {
  percent?: number
  bytes?: number
  /** As the user wrote it, for messages. */
  text: string
}

export interface IncreaseLimits {
  peak?: ByteIncreaseLimit
  used?: ByteIncreaseLimit
  leakedKeys?: number
}

export type BaselineMode = 'auto' | 'off' | 'file'

export interface BaselineSettings {
  mode: BaselineMode
  /** With mode `file`: the JSON report or history file to compare against. */
  file: string | null
  /** The branch the history files live on. */
  dataBranch: string
  /** Branches besides the default branch whose pushes are recorded (names or `*` globs). */
  branches: string[]
  /** Fail the increase checks even when engine, version or maxmemory differ from the baseline. */
  strict: boolean
  limits: IncreaseLimits
}

/** Reads the baseline inputs; a bad one throws a UserError naming it and showing a valid form. */
export function readBaselineSettings(get: GetValue, label: Label = (n) => n): BaselineSettings {
  const modeText = get(BaselineInput.Baseline).trim()
  const lower = modeText.toLowerCase()
  const mode: BaselineMode = lower === '' || lower === 'auto' ? 'auto' : lower === 'off' ? 'off' : 'file'
  const dataBranchText = get(BaselineInput.BaselineBranch).trim() || DEFAULT_DATA_BRANCH
  return {
    mode,
    file: mode === 'file' ? modeText : null,
    dataBranch: checkBranchName(dataBranchText, label(BaselineInput.BaselineBranch)),
    branches: parseBranchList(get(BaselineInput.BaselineBranches), label(BaselineInput.BaselineBranches)),
    strict: parseBoolean(get(BaselineInput.BaselineStrict), label(BaselineInput.BaselineStrict)),
    limits: {
      peak: parseIncreaseLimit(get(BaselineInput.MaxPeakIncrease), label(BaselineInput.MaxPeakIncrease)),
      used: parseIncreaseLimit(get(BaselineInput.MaxUsedIncrease), label(BaselineInput.MaxUsedIncrease)),
      leakedKeys: parseNumber(get(BaselineInput.MaxLeakedKeysIncrease), label(BaselineInput.MaxLeakedKeysIncrease), {
        example: '0',
        min: 0,
        integer: true
      })
    }
  }
}

/** Parses `10%`, `5mb` or `10%,2mb` (either order); undefined when empty. */
export function parseIncreaseLimit(text: string, name: string): ByteIncreaseLimit | undefined {
  const value = text.trim()
  if (value === '') return undefined
  const bad = (): UserError =>
    new UserError(`${name}: "${value}" is not valid. Use a percent, a size or both, e.g. 10%, 5mb, or 10%,2mb (breach only when both are exceeded).`)
  const parts = value.split(',').map((p) => p.trim())
  if (parts.length > 2 || parts.some((p) => p === '')) throw bad()
  const limit: ByteIncreaseLimit = { text: parts.join(',') }
  for (const part of parts) {
    const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(part)
    if (pct) {
      if (limit.percent !== undefined) throw bad()
      limit.percent = Number(pct[1])
      continue
    }
    if (limit.bytes !== undefined) throw bad()
    // A bare number is ambiguous here: "10" read as 10 bytes would fail every run; 10% was meant as often.
    if (/^\d+(?:\.\d+)?$/.test(part)) {
      throw new UserError(`${name}: "${value}" has no unit. Write ${part}% for a share of the base branch's figure, or ${part}b (or kb, mb) for bytes.`)
    }
    try {
      limit.bytes = parseSize(part, name)
    } catch {
      throw bad()
    }
  }
  return limit
}

/** The rules of `git check-ref-format` that a branch name typed into a workflow can break. */
export function checkBranchName(name: string, label: string): string {
  if (!isBranchName(name)) throw new UserError(`${label}: "${name}" is not a valid branch name. Use e.g. ${DEFAULT_DATA_BRANCH}.`)
  return name
}

function isBranchName(name: string): boolean {
  const bad =
    name === '' ||
    name.length > 250 ||
    /[\s~^:?*[\\]/.test(name) ||
    [...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) ||
    name.includes('..') ||
    name.includes('@{') ||
    name.includes('//') ||
    name.startsWith('-') ||
    name.startsWith('/') ||
    name.endsWith('/') ||
    name.endsWith('.') ||
    name.endsWith('.lock') ||
    name.split('/').some((part) => part.startsWith('.')) ||
    name === '@'
  return !bad
}

/** A comma or newline list of branch names, where `*` matches any run of characters (e.g. `release/*`). */
export function parseBranchList(text: string, label: string): string[] {
  const names = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
  for (const n of names) {
    // A glob is a branch name with `*` in it: check the rest of it as a name.
    if (!isBranchName(n.replace(/\*/g, 'x'))) {
      throw new UserError(`${label}: "${n}" is not a branch name or * pattern. Use a comma list, e.g. release/*, develop.`)
    }
  }
  return names
}

/** True when `branch` is one of `patterns` (exact, or a `*` glob). */
export function branchMatches(branch: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (!p.includes('*')) return p === branch
    const re = new RegExp(`^${p.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`)
    return re.test(branch)
  })
}

/** What the run knows about itself, from the runner's environment and the event payload. */
export interface RunContext {
  eventName: string
  owner: string | null
  repo: string | null
  /** The commit the run measured (GITHUB_SHA). */
  commit: string | null
  /** The branch pushed to; null when the run is not on a branch (tags, pull requests). */
  branch: string | null
  runId: string | null
  /** The repository's default branch, from the event payload. */
  defaultBranch: string | null
  pullRequest: { number: number; baseRef: string; headSha: string } | null
}

/** Reads the run's context from GITHUB_* variables and the event payload. */
export function runContext(env: NodeJS.ProcessEnv, payload: unknown): RunContext {
  const p = (payload ?? {}) as {
    repository?: { default_branch?: unknown }
    pull_request?: { number?: unknown; base?: { ref?: unknown }; head?: { sha?: unknown } }
  }
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  const ref = env.GITHUB_REF ?? ''
  const pr = p.pull_request
  const eventName = env.GITHUB_EVENT_NAME ?? ''
  const isPr = eventName === 'pull_request' || eventName === 'pull_request_target'
  return {
    eventName,
    owner: owner || null,
    repo: repo || null,
    commit: env.GITHUB_SHA || null,
    branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null,
    runId: env.GITHUB_RUN_ID || null,
    defaultBranch: typeof p.repository?.default_branch === 'string' ? p.repository.default_branch : null,
    pullRequest:
      isPr && typeof pr?.number === 'number' && typeof pr.base?.ref === 'string' && typeof pr.head?.sha === 'string'
        ? { number: pr.number, baseRef: pr.base.ref, headSha: pr.head.sha }
        : null
  }
}

/** What the post step does with the baseline, and why, in words for the log. */
export type BaselinePlan =
  | { action: 'off'; reason: string }
  | { action: 'file'; path: string }
  | { action: 'read'; baseBranch: string; headSha: string; reason: string }
  | { action: 'write'; branch: string; reason: string }
  | { action: 'none'; reason: string }

/**
 * `auto`: read on pull requests, write on pushes to the default branch and `baseline-branches`.
 * Writing happens only on pushes, so a fork's read-only token is never asked to write.
 */
export function planBaseline(settings: BaselineSettings, ctx: RunContext): BaselinePlan {
  if (settings.mode === 'off') return { action: 'off', reason: 'baseline: off.' }
  if (settings.mode === 'file' && settings.file) return { action: 'file', path: settings.file }
  if (!ctx.owner || !ctx.repo) return { action: 'none', reason: 'Not running in GitHub Actions (no GITHUB_REPOSITORY): no stored baseline to read or write.' }
  if (ctx.pullRequest) {
    return {
      action: 'read',
      baseBranch: ctx.pullRequest.baseRef,
      headSha: ctx.pullRequest.headSha,
      reason: `Pull request #${ctx.pullRequest.number}: comparing with the baseline of ${ctx.pullRequest.baseRef}.`
    }
  }
  if (ctx.eventName === 'push' && ctx.branch) {
    if (ctx.branch === settings.dataBranch) return { action: 'none', reason: `A push to the data branch ${ctx.branch} itself is not recorded.` }
    const isDefault = ctx.defaultBranch !== null && ctx.branch === ctx.defaultBranch
    if (isDefault || branchMatches(ctx.branch, settings.branches)) {
      return {
        action: 'write',
        branch: ctx.branch,
        reason: isDefault ? `A push to the default branch ${ctx.branch}: recording the baseline.` : `A push to ${ctx.branch} (baseline-branches): recording the baseline.`
      }
    }
    return { action: 'none', reason: `A push to ${ctx.branch}, which is neither the default branch nor in baseline-branches: the baseline is neither recorded nor compared.` }
  }
  return { action: 'none', reason: `A ${ctx.eventName || 'non-GitHub'} event: the baseline is recorded on pushes and compared on pull requests.` }
}
