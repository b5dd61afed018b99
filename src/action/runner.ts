/**
 * The runner's side of an action, the part of @actions/core this action uses: inputs, outputs,
 * state, workflow commands (annotations, groups, masks) and the job summary file, written as the
 * runner documents them and as @actions/core 3 writes them.
 *
 * Why not @actions/core itself: it imports its OIDC client at load time, and with it
 * @actions/http-client and undici, about 70 ms of CPU at every start of the main and the post
 * step (issue 14) for a token this action never asks for. The GitHub API client (comment.ts)
 * still brings http-client, in its own chunk, when a comment is posted.
 */
import { appendFileSync, existsSync } from 'node:fs'
import { access, appendFile, constants } from 'node:fs/promises'
import { EOL } from 'node:os'

/** An annotation's place and title, as @actions/core names them. */
export interface AnnotationProperties {
  title?: string
  file?: string
  startLine?: number
  endLine?: number
  startColumn?: number
  endColumn?: number
}

/** The input `name` (INPUT_<NAME>, spaces as underscores), trimmed; '' when not given. */
export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}

export function setOutput(name: string, value: string | number): void {
  fileCommand('OUTPUT', name, String(value), 'set-output')
}

/** Saved for the post step, which reads it with getState. */
export function saveState(name: string, value: string): void {
  fileCommand('STATE', name, value, 'save-state')
}

export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? ''
}

export function info(message: string): void {
  process.stdout.write(message + EOL)
}

export function debug(message: string): void {
  issue('debug', {}, message)
}

export function warning(message: string, props: AnnotationProperties = {}): void {
  issue('warning', annotation(props), message)
}

export function error(message: string, props: AnnotationProperties = {}): void {
  issue('error', annotation(props), message)
}

/** An error annotation, and the step fails when the process ends. */
export function setFailed(message: string): void {
  process.exitCode = 1
  error(message)
}

/** Masks `secret` in every later line of the log. */
export function setSecret(secret: string): void {
  issue('add-mask', {}, secret)
}

/** A foldable section of the log around `fn`. */
export async function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  issue('group', {}, name)
  try {
    return await fn()
  } finally {
    issue('endgroup', {}, '')
  }
}

/** Appends `markdown` to the job summary (GITHUB_STEP_SUMMARY). */
export async function appendSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (!file) throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.')
  try {
    await access(file, constants.R_OK | constants.W_OK)
  } catch {
    throw new Error(`Unable to access summary file: '${file}'. Check if the file has correct read/write permissions.`)
  }
  await appendFile(file, markdown, { encoding: 'utf8' })
}

/** `name<<DELIMITER` value `DELIMITER` in the runner's file for `kind`, or the old stdout command without one. */
function fileCommand(kind: 'OUTPUT' | 'STATE', name: string, value: string, command: string): void {
  const path = process.env[`GITHUB_${kind}`]
  if (!path) {
    process.stdout.write(EOL)
    issue(command, { name }, value)
    return
  }
  if (!existsSync(path)) throw new Error(`Missing file at path: ${path}`)
  // Random, not a UUID from node:crypto (~9 ms to load at every start): the check below, not the
  // randomness, is what keeps a value from ending the entry early.
  const delimiter = `ghadelimiter_${randomPart()}${randomPart()}${randomPart()}`
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`Unexpected input: it should not contain the delimiter "${delimiter}"`)
  appendFileSync(path, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, { encoding: 'utf8' })
}

const randomPart = (): string => Math.floor(Math.random() * 2 ** 48).toString(36).padStart(10, '0')

function annotation(p: AnnotationProperties): Record<string, string | number | undefined> {
  return { title: p.title, file: p.file, line: p.startLine, endLine: p.endLine, col: p.startColumn, endColumn: p.endColumn }
}

/** `::command key=value,...::message`, escaped so a line break or `::` in a value cannot start another command. */
function issue(command: string, props: Record<string, string | number | undefined>, message: string): void {
  const given = Object.entries(props).filter(([, v]) => v !== undefined && v !== '' && v !== 0)
  const properties = given.length === 0 ? '' : ' ' + given.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',')
  process.stdout.write(`::${command}${properties}::${escapeData(message)}${EOL}`)
}

const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C')
