/** The comment inputs and the key that finds this job's comment again. Pure, and free of the GitHub client, so the main step's bundle stays small. */
import { UserError } from '../core/errors.js'

export const COMMENT_MODES = ['on-change', 'auto', 'on-breach', 'off'] as const
/** The default: a comment when there is something to read, so quiet pull requests stay quiet. */
export const DEFAULT_COMMENT_MODE: CommentMode = 'on-change'
export type CommentMode = (typeof COMMENT_MODES)[number]

export interface CommentSettings {
  mode: CommentMode
  /** Identifies this job's comment among all comments on the pull request. */
  key: string
  /** Shown in the comment's title so matrix legs can be told apart. */
  title: string
  token: string
}

export interface CommentInputs {
  comment: string
  commentKey: string
  matrix: string
  githubToken: string
}

const MARKER_PREFIX = '<!-- redis-memory-guard:'

/** Reads the comment inputs; a bad one throws a UserError that names it and shows a valid value. */
export function readCommentSettings(inputs: CommentInputs, env: NodeJS.ProcessEnv = process.env): CommentSettings {
  const modeText = inputs.comment.trim().toLowerCase() || DEFAULT_COMMENT_MODE
  if (!(COMMENT_MODES as readonly string[]).includes(modeText)) {
    throw new UserError(`comment: "${inputs.comment.trim()}" is not valid. Use on-change, auto, on-breach or off.`)
  }
  const matrix = parseMatrix(inputs.matrix)
  const job = env.GITHUB_JOB ?? ''
  const legs = matrixValues(matrix)
  const title = [job, legs.length ? `(${legs.map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''].filter(Boolean).join(' ')
  const custom = inputs.commentKey.trim()
  const key = custom || defaultCommentKey(env.GITHUB_WORKFLOW ?? '', job, legs)
  return { mode: modeText as CommentMode, key, title: custom || title, token: inputs.githubToken.trim() }
}

/** `toJSON(matrix)` is `null` outside a matrix; anything else must be a JSON object. */
export function parseMatrix(text: string): Record<string, unknown> {
  const value = text.trim()
  if (value === '' || value === 'null') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    throw new UserError('matrix: not JSON. Leave it unset, or pass matrix: ${{ toJSON(matrix) }}.')
  }
  if (parsed === null) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError('matrix: must be a JSON object. Leave it unset, or pass matrix: ${{ toJSON(matrix) }}.')
  }
  return parsed as Record<string, unknown>
}

/** The matrix as sorted `[name, value]` pairs; objects and arrays as compact JSON. */
export function matrixValues(matrix: Record<string, unknown>): [string, string][] {
  return Object.keys(matrix)
    .sort()
    .map((k) => {
      const v = matrix[k]
      return [k, typeof v === 'string' ? v : JSON.stringify(v)]
    })
}

/** `workflow/job` plus the matrix values, e.g. `CI/test/node=20,redis=7`. */
export function defaultCommentKey(workflow: string, job: string, legs: [string, string][]): string {
  const base = [workflow, job].filter(Boolean).join('/') || 'default'
  return legs.length ? `${base}/${legs.map(([k, v]) => `${k}=${v}`).join(',')}` : base
}

/** The hidden first line of the comment. The key is encoded so that it can never end the HTML comment. */
export function commentMarker(key: string): string {
  const safe = [...key].map((ch) => (/[A-Za-z0-9 ._/=,:+()\-[\]]/.test(ch) ? ch : encodeURIComponent(ch))).join('')
  return `${MARKER_PREFIX}${safe} -->`
}

