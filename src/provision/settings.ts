import { UserError } from '../core/errors.js'
import { ProvisionInput } from '../config/options.js'
import { parseSize } from '../core/size.js'
import { RUNTIMES, type RuntimeName } from './runtime.js'

export type Mode = 'attach' | 'container' | 'binary'

/** What the inputs say about starting (or limiting) Redis for the job. */
export interface ProvisionSettings {
  mode: Mode
  runtime: RuntimeName
  image: string
  /** The container's name: the input, or one unique to this job, matrix leg and step. */
  containerName: string
  /** Host port; 0 = any free port. */
  port: number
  /** Bytes, or undefined to leave the server's own setting. */
  maxmemory: number | undefined
  maxmemoryPolicy: string | undefined
  password: string | undefined
  /** Extra server arguments, already split into words. */
  redisArgs: string[]
  /** Extra arguments for `<runtime> run`, already split into words. */
  containerOptions: string[]
  /** The redis-server to run in binary mode. */
  redisServerPath: string
  keepContainer: boolean
}

/** Redis's eviction policies (redis.conf, "MAXMEMORY POLICY"). */
export const MAXMEMORY_POLICIES = [
  'noeviction',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl'
] as const

const MODES: readonly Mode[] = ['attach', 'container', 'binary']

/** Docker and podman accept `[a-zA-Z0-9][a-zA-Z0-9_.-]+` as a container name. */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/

/** Reads and checks the provisioning inputs; a bad one throws a UserError that names it. */
export function readProvisionSettings(
  getInput: (name: string) => string,
  env: NodeJS.ProcessEnv = process.env,
  random: () => string = randomSuffix
): ProvisionSettings {
  const modeText = getInput(ProvisionInput.Mode).trim().toLowerCase() || 'attach'
  if (!MODES.includes(modeText as Mode)) {
    throw new UserError(`${ProvisionInput.Mode}: "${modeText}" is not a mode. Use attach, container or binary.`)
  }
  const runtimeText = getInput(ProvisionInput.ContainerRuntime).trim().toLowerCase() || 'docker'
  if (!(runtimeText in RUNTIMES)) {
    throw new UserError(`${ProvisionInput.ContainerRuntime}: "${runtimeText}" is not supported. Use docker or podman.`)
  }
  const image = getInput(ProvisionInput.Image).trim() || 'redis:7-alpine'
  if (/\s/.test(image) || image.startsWith('-')) {
    throw new UserError(`${ProvisionInput.Image}: "${image}" is not an image name. Use e.g. redis:7-alpine or ghcr.io/OWNER/redis:7.`)
  }
  const nameText = getInput(ProvisionInput.ContainerName).trim()
  if (nameText !== '' && !CONTAINER_NAME.test(nameText)) {
    throw new UserError(
      `${ProvisionInput.ContainerName}: "${nameText}" is not a container name. Use letters, digits, _ . and -, starting with a letter or digit, e.g. redis-tests.`
    )
  }
  const portText = getInput(ProvisionInput.Port).trim() || '6379'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UserError(`${ProvisionInput.Port}: "${portText}" is not a port. Use a number from 1 to 65535, or 0 for any free port.`)
  }
  const policyText = getInput(ProvisionInput.MaxmemoryPolicy).trim().toLowerCase()
  if (policyText !== '' && !(MAXMEMORY_POLICIES as readonly string[]).includes(policyText)) {
    throw new UserError(`${ProvisionInput.MaxmemoryPolicy}: "${policyText}" is not a policy. Use one of ${MAXMEMORY_POLICIES.join(', ')}.`)
  }
  const password = getInput(ProvisionInput.Password)
  if (/[\s]/.test(password)) {
    throw new UserError(`${ProvisionInput.Password}: the password must not contain spaces or line breaks.`)
  }
  return {
    mode: modeText as Mode,
    runtime: runtimeText as RuntimeName,
    image,
    containerName: nameText || defaultContainerName(env, random()),
    port,
    maxmemory: parseSize(getInput(ProvisionInput.Maxmemory), ProvisionInput.Maxmemory),
    maxmemoryPolicy: policyText || undefined,
    password: password === '' ? undefined : password,
    redisArgs: splitArgs(getInput(ProvisionInput.RedisArgs), ProvisionInput.RedisArgs),
    containerOptions: splitArgs(getInput(ProvisionInput.ContainerOptions), ProvisionInput.ContainerOptions),
    redisServerPath: getInput(ProvisionInput.RedisServerPath).trim() || 'redis-server',
    keepContainer: parseBoolean(getInput(ProvisionInput.KeepContainer), ProvisionInput.KeepContainer)
  }
}

/** Inputs given that the chosen mode does not use, so the user learns why they had no effect. */
export function unusedInputs(s: ProvisionSettings, getInput: (name: string) => string): string[] {
  const given = (name: string): boolean => getInput(name).trim() !== ''
  const byMode: Record<Mode, string[]> = {
    attach: [ProvisionInput.Password, ProvisionInput.RedisArgs, ProvisionInput.ContainerOptions, ProvisionInput.ContainerName, ProvisionInput.RedisServerPath],
    container: [ProvisionInput.RedisServerPath],
    binary: [ProvisionInput.ContainerOptions, ProvisionInput.ContainerName]
  }
  return byMode[s.mode].filter(given)
}

/**
 * A container name unique to this run attempt, job and step, plus a random part: parallel matrix
 * legs of one job share every GITHUB_* value, and on a self-hosted runner they share the engine.
 */
export function defaultContainerName(env: NodeJS.ProcessEnv, random: string): string {
  const parts = ['redis-memory-guard', env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT, env.GITHUB_JOB, random]
  const name = parts
    .map((p) => (p ?? '').replace(/[^a-zA-Z0-9_.]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter((p) => p !== '')
    .join('-')
  // Keep the random end when the job name is long.
  return name.length <= 100 ? name : `${name.slice(0, 90)}-${random}`
}

function randomSuffix(): string {
  return Math.random().toString(16).slice(2, 10).padEnd(8, '0')
}

/** `true`/`false` in the spellings YAML users write. */
export function parseBoolean(text: string, name: string): boolean {
  const value = text.trim().toLowerCase()
  if (value === '' || value === 'false' || value === 'no' || value === '0') return false
  if (value === 'true' || value === 'yes' || value === '1') return true
  throw new UserError(`${name}: "${text.trim()}" is not true or false.`)
}

/**
 * Splits a line into words the way a shell would, without running one: spaces separate words,
 * '...' keeps everything literal, "..." allows \" and \\, a backslash escapes the next character.
 */
export function splitArgs(text: string, name: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | null = null
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quote === "'") {
      if (c === "'") quote = null
      else word += c
    } else if (quote === '"') {
      if (c === '"') quote = null
      else if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i]
      else word += c
    } else if (c === "'" || c === '"') {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (quote) throw new UserError(`${name}: a ${quote === '"' ? 'double' : 'single'} quote is not closed in "${text.trim()}".`)
  if (inWord) words.push(word)
  return words
}
