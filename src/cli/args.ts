/** The CLI's commands and options, and parsing them with node:util parseArgs into checked values. */
import { parseArgs } from 'node:util'
import { Input, ProvisionInput } from '../config/options.js'
import { UserError } from '../core/errors.js'
import { CHECK_NAMES, DEFAULT_FAIL_ON } from '../judge/checks.js'
import { KeyInput } from '../keys/settings.js'
import { TlsInput } from '../redis/tls.js'
import { CauseInput } from '../explain/settings.js'
import { THRESHOLD_OPTIONS } from '../config/options.js'
import { BaselineInput } from '../baseline/settings.js'

/** A mistake in how the CLI was called: exit code 2 and the valid form. */
export class UsageError extends UserError {
  constructor(
    message: string,
    readonly command: CommandName | null
  ) {
    super(message)
    this.name = 'UsageError'
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  /** The placeholder in help: `--url <url>`. */
  value?: string
  help: string
  /** May be given more than once; the values are joined one per line. */
  multiple?: boolean
}

/** Every option the CLI knows. Threshold names are the action's input names. */
export const OPTIONS = {
  url: {
    type: 'string',
    value: 'url',
    multiple: true,
    help:
      'Where Redis is (default: $REDIS_URL, else redis://localhost:6379). redis:// or rediss://, with user, password and /db. ' +
      'Several instances: repeat --url or separate with commas, optionally named (cache=redis://…); redis+sentinel://host:26379/<master> for Sentinel; any node of a Redis Cluster stands for all of it.'
  },
  container: { type: 'string', value: 'name', help: "A running podman or docker container whose published port 6379 is Redis." },
  [Input.ConnectTimeout]: { type: 'string', value: 'duration', help: 'How long to keep trying to connect, e.g. 5s, 30s (default 5s).' },
  [Input.MaxUsedMemory]: { type: 'string', value: 'size', help: 'Limit for used_memory after the command, e.g. 100mb, 1gb, 1048576 (1024-based).' },
  [Input.MaxPeakMemory]: { type: 'string', value: 'size', help: "Limit for the command's peak memory, same form." },
  [Input.MaxMemoryPercent]: { type: 'string', value: 'percent', help: 'The peak may reach at most this percent of maxmemory (default 90).' },
  [Input.MaxFragmentationRatio]: { type: 'string', value: 'ratio', help: 'Limit for allocator_frag_ratio (the allocator\'s own fragmentation), judged from 5 MB used and 10 MB in allocator_frag_bytes (default 1.1).' },
  [Input.MaxLeakedKeys]: { type: 'string', value: 'count', help: 'How many more keys may exist after than before (default: report only).' },
  [Input.FailOn]: {
    type: 'string',
    value: 'checks',
    help: `Checks that fail (exit 1); the others warn. ${CHECK_NAMES.join(', ')}, or none (default ${DEFAULT_FAIL_ON.join(',')}).`
  },
  [Input.ReportPath]: { type: 'string', value: 'file', help: 'Also write the JSON report to this file (for diff, or to attach to a bug).' },
  [Input.SampleInterval]: { type: 'string', value: 'duration', help: 'How often Redis is sampled during the command: at least 50ms, or 0 for no sampling (default 100ms).' },
  [KeyInput.KeyScanBudget]: { type: 'string', value: 'duration', help: 'Longest time for one key scan; past it, figures are extrapolated by DBSIZE. 0 = no key analysis (default 10s).' },
  [KeyInput.KeyDelimiter]: { type: 'string', value: 'text', help: 'What separates the parts of a key name (default :).' },
  [KeyInput.PrefixDepth]: { type: 'string', value: 'n', help: 'How many parts of a key name make its prefix (default 2).' },
  [KeyInput.IgnoreKeys]: { type: 'string', value: 'patterns', help: 'Comma list of glob patterns for keys to leave out, e.g. bull:*,sess:*.' },
  [KeyInput.KeyPatterns]: { type: 'string', value: 'patterns', help: 'Comma list of explicit key groups, globs with named parts, e.g. jobs:{queue}:*; they win over the automatic prefixes.' },
  [KeyInput.KeyMemory]: {
    type: 'string',
    value: 'mode',
    help: 'MEMORY USAGE of every key (exact), of a sample per prefix with its interval (sampled), or auto: exact up to 200,000 keys, sampled above (default auto).'
  },
  [KeyInput.KeyScope]: {
    type: 'string',
    value: 'patterns',
    help: "On a shared Redis: comma list of globs for this job's keys, e.g. 'job-42:*'; new keys outside them are reported as outside the scope, not as leaks."
  },
  [CauseInput.JUnitReport]: {
    type: 'string',
    value: 'files',
    help: 'Comma list of JUnit XML files or globs (** for any folders) the tests write; leaked keys are mapped to the test that was running when each appeared.'
  },
  [KeyInput.ExpectedDb]: { type: 'string', value: 'db', help: 'The DB the tests should use; keys that appear elsewhere breach wrong-db.' },
  [TlsInput.CaFile]: { type: 'string', value: 'file', help: 'For rediss://: the CA certificate that signed the server\'s certificate (PEM).' },
  [TlsInput.CertFile]: { type: 'string', value: 'file', help: 'For rediss://: a client certificate (PEM), for servers that ask for one; needs --tls-key-file.' },
  [TlsInput.KeyFile]: { type: 'string', value: 'file', help: 'For rediss://: the client certificate\'s key (PEM).' },
  [TlsInput.Insecure]: { type: 'boolean', help: 'For rediss://: do not check the server\'s certificate (a test server with a self-signed one only).' },
  [Input.Cluster]: { type: 'string', value: 'mode', help: 'auto (default): a URL of a Redis Cluster node watches every node of the cluster; off: only that node.' },
  [ProvisionInput.ClusterNodes]: {
    type: 'string',
    value: 'n',
    help: 'Start a throwaway local Redis Cluster for this run: 3 masters, or 6 (one replica each); the command gets its seed as REDIS_URL.'
  },
  [Input.ExportEnv]: {
    type: 'boolean',
    help: 'Hand the watched Redis to the command as REDIS_URL, REDIS_HOST and REDIS_PORT (done anyway for a throwaway server); without it the command\'s environment is left as it is.'
  },
  throwaway: {
    type: 'boolean',
    help: 'Start a fresh redis-server on a free port for this run (never the Redis on 6379), hand it to the command as REDIS_URL, REDIS_HOST and REDIS_PORT, and stop it afterwards.'
  },
  [ProvisionInput.RedisServerPath]: { type: 'string', value: 'path', help: 'The server a throwaway run starts, e.g. valkey-server (default redis-server).' },
  [BaselineInput.Baseline]: {
    type: 'string',
    value: 'file',
    help: 'Compare with a saved JSON report (--report-path, --json) or a history file: base / now / change, the prefixes that changed most, and the increase checks.'
  },
  [BaselineInput.MaxPeakIncrease]: { type: 'string', value: 'limit', help: 'How much the peak may grow against --baseline: 10%, 5mb, or 10%,2mb (breach only when both are exceeded).' },
  [BaselineInput.MaxUsedIncrease]: { type: 'string', value: 'limit', help: 'How much used_memory after may grow against --baseline, same form.' },
  [BaselineInput.MaxLeakedKeysIncrease]: { type: 'string', value: 'count', help: 'How many more keys may be left behind than in --baseline.' },
  [BaselineInput.BaselineStrict]: { type: 'boolean', help: 'Fail the increase checks even when the engine or maxmemory differ from --baseline.' },
  json: { type: 'boolean', help: "Print the JSON report (the action's schema) instead of the terminal report." },
  markdown: { type: 'boolean', help: "Print the action's job summary (markdown) instead of the terminal report." },
  'no-color': { type: 'boolean', help: 'No colours (also when NO_COLOR is set or stdout is not a terminal).' },
  debug: { type: 'boolean', help: 'On an internal error, print its stack trace too (also when ACTIONS_STEP_DEBUG is true).' },
  help: { type: 'boolean', short: 'h', help: 'Show this help.' }
} as const satisfies Record<string, OptionSpec>

export type OptionName = keyof typeof OPTIONS

const REDIS_OPTIONS: OptionName[] = ['url', 'container', Input.Cluster, Input.ConnectTimeout, TlsInput.CaFile, TlsInput.CertFile, TlsInput.KeyFile, TlsInput.Insecure]
const OUTPUT_OPTIONS: OptionName[] = ['json', 'markdown', 'no-color', 'debug', 'help']
const BASELINE_OPTIONS: OptionName[] = [
  BaselineInput.Baseline,
  BaselineInput.MaxPeakIncrease,
  BaselineInput.MaxUsedIncrease,
  BaselineInput.MaxLeakedKeysIncrease,
  BaselineInput.BaselineStrict
]
const KEY_OPTIONS: OptionName[] = [KeyInput.KeyScanBudget, KeyInput.KeyDelimiter, KeyInput.PrefixDepth, KeyInput.KeyPatterns, KeyInput.IgnoreKeys, KeyInput.KeyMemory, KeyInput.KeyScope]

export interface CommandSpec {
  usage: string
  summary: string
  description: string
  options: OptionName[]
  examples: string[]
}

export const COMMANDS = {
  demo: {
    usage: 'demo [options]',
    summary: 'See it work in seconds: a throwaway redis-server, a small app that leaks keys and hits maxmemory, the report.',
    description:
      'Starts a throwaway redis-server on a free port with maxmemory 4mb, runs a small Node app under `run` whose three "tests" pass while it leaves keys behind ' +
      'and has writes refused for OOM, and prints the report the action would write. Stops the server afterwards. Needs only Node and redis-server. ' +
      'Exits 0 when the report caught what it should (the report itself fails the run on oom).',
    options: [ProvisionInput.RedisServerPath, 'json', 'markdown', 'no-color', 'debug', 'help'],
    examples: ['redis-memory-guard demo', 'redis-memory-guard demo --redis-server-path valkey-server', 'redis-memory-guard demo --markdown']
  },
  run: {
    usage: 'run [options] -- <command...>',
    summary: 'Snapshot, run a command while sampling memory, snapshot again, judge and report.',
    description:
      'Takes a snapshot of Redis, runs the command (its output passed through, OOM messages in it counted), samples used_memory while it runs, ' +
      'takes a second snapshot, and judges the two with the same checks as the GitHub Action. ' +
      'With --throwaway, or with neither --url nor --container and nothing listening on the default URL on this machine, it starts a throwaway redis-server on a free port, ' +
      'prints its URL, passes it to the command as REDIS_URL, REDIS_HOST and REDIS_PORT, and stops it afterwards. ' +
      'With --url or --container the command\'s environment is left as it is; --export-env hands it that Redis as REDIS_URL, REDIS_HOST and REDIS_PORT. ' +
      'With --json or --markdown the command\'s own output goes to stderr, so stdout holds only the report. ' +
      'When the command fails, run exits with the command\'s own exit code (the report is written all the same); else with the verdict\'s.',
    options: [...REDIS_OPTIONS, 'throwaway', Input.ExportEnv, ProvisionInput.ClusterNodes, ProvisionInput.RedisServerPath, ...THRESHOLD_OPTIONS, Input.SampleInterval, ...KEY_OPTIONS, KeyInput.ExpectedDb, CauseInput.JUnitReport, ...BASELINE_OPTIONS, Input.ReportPath, ...OUTPUT_OPTIONS],
    examples: [
      'redis-memory-guard run --throwaway -- npm test',
      'redis-memory-guard run -- npm test',
      'redis-memory-guard run --max-used-memory 100mb --fail-on oom,leaked-keys --max-leaked-keys 0 -- npm test',
      'redis-memory-guard run --container redis --report-path before-fix.json -- pytest -x',
      'redis-memory-guard run --json -- npm test > report.json',
      'redis-memory-guard run --baseline main.json --max-peak-increase 10%,2mb -- npm test',
      'redis-memory-guard run --url cache=redis://localhost:6379 --url queue=redis://localhost:6380 -- npm test',
      'redis-memory-guard run --cluster-nodes 3 -- npm test'
    ]
  },
  snapshot: {
    usage: 'snapshot [options]',
    summary: 'The state of Redis now: memory, fragmentation, keys per DB, OOM and eviction counters.',
    description:
      'What you would otherwise piece together from INFO memory, INFO keyspace, INFO errorstats and INFO stats, in words. ' +
      'Fragmentation is only judged when it means something (MEMORY DOCTOR\'s own rules). Thresholds that apply to one moment are checked.',
    options: [...REDIS_OPTIONS, Input.MaxUsedMemory, Input.MaxMemoryPercent, Input.MaxFragmentationRatio, Input.FailOn, ...BASELINE_OPTIONS, Input.ReportPath, ...OUTPUT_OPTIONS],
    examples: ['redis-memory-guard snapshot', 'redis-memory-guard snapshot --container redis', 'redis-memory-guard snapshot --url redis://:PASSWORD@localhost:6380/2 --json']
  },
  keys: {
    usage: 'keys [options]',
    summary: 'The key analysis on its own: the prefixes that hold the memory, the largest keys, keys per database.',
    description:
      'Scans every database (SCAN with MEMORY USAGE, a Lua fast path where scripts run), groups keys by prefix with id-like parts as *, ' +
      'and lists the prefixes by memory and by count and the largest keys. A progress line shows on terminals during long scans.',
    options: [...REDIS_OPTIONS, ...KEY_OPTIONS, Input.ReportPath, ...OUTPUT_OPTIONS],
    examples: ['redis-memory-guard keys', 'redis-memory-guard keys --container redis --prefix-depth 1', 'redis-memory-guard keys --ignore-keys "bull:*" --json']
  },
  diff: {
    usage: 'diff [options] <before.json> <after.json>',
    summary: 'Judge two saved reports (or snapshots) as one step: the first is the state before, the second after.',
    description:
      'Reads two JSON files written by --report-path, --json or the action (its report, or a bare snapshot), takes the state at the end of each, ' +
      'and judges the change between them with the given thresholds.',
    options: [...THRESHOLD_OPTIONS, ...BASELINE_OPTIONS, ...OUTPUT_OPTIONS],
    examples: [
      'redis-memory-guard snapshot --report-path before.json && npm test && redis-memory-guard snapshot --report-path after.json',
      'redis-memory-guard diff before.json after.json --max-leaked-keys 0 --fail-on leaked-keys',
      'redis-memory-guard diff before.json after.json --baseline main.json'
    ]
  },
  history: {
    usage: 'history [options] <file>',
    summary: 'Print a baseline history (the file the action keeps per job on its data branch), or a saved report, newest first.',
    description:
      'Reads a history file (from the baseline-branch, e.g. git show redis-memory-guard-data:redis-memory-guard/<series>.json > history.json) ' +
      'or a JSON report, and lists each recorded run: date, commit, branch, engine, maxmemory, peak, used memory after, keys left behind, OOM errors, evictions and verdict. ' +
      'With --json it prints the same rows as JSON, figures in bytes and counts.',
    options: ['json', 'no-color', 'debug', 'help'],
    examples: ['redis-memory-guard history history.json', 'redis-memory-guard history history.json --json']
  }
} as const satisfies Record<string, CommandSpec>

export type CommandName = keyof typeof COMMANDS

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name)
}

export interface ParsedArgs {
  /** Option values by name; booleans as 'true'. */
  values: Partial<Record<OptionName, string | boolean>>
  /** Positionals before `--`. */
  positionals: string[]
  /** Everything after `--`. */
  rest: string[]
}

/** Parses one command's arguments; unknown options and missing values become UsageErrors with the valid form. */
export function parseCommandArgs(command: CommandName, args: string[]): ParsedArgs {
  const spec = COMMANDS[command]
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {}
  for (const name of spec.options) {
    const o: OptionSpec = OPTIONS[name]
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }
  }
  let parsed
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true })
  } catch (err) {
    throw new UsageError(describeParseError(err, command), command)
  }
  const terminator = parsed.tokens.find((t) => t.kind === 'option-terminator')
  const positionals: string[] = []
  const rest: string[] = []
  for (const t of parsed.tokens) {
    if (t.kind !== 'positional') continue
    if (terminator && t.index > terminator.index) rest.push(t.value)
    else positionals.push(t.value)
  }
  // A repeated option (--url a --url b) reads as one value per line, the form redis-url takes.
  const values = Object.fromEntries(Object.entries(parsed.values).map(([k, v]) => [k, Array.isArray(v) ? v.join('\n') : v]))
  return { values: values as ParsedArgs['values'], positionals, rest }
}

function describeParseError(err: unknown, command: CommandName): string {
  const e = err as { code?: string; message?: string }
  const usage = `Usage: redis-memory-guard ${COMMANDS[command].usage} (see redis-memory-guard ${command} --help).`
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1] ?? ''
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = quoted.replace(/^-+/, '').split('=')[0]
    const known = COMMANDS[command].options as readonly string[]
    const close = closest(name, known)
    const elsewhere = !known.includes(name) && Object.hasOwn(OPTIONS, name)
    const hint = close ? ` Did you mean --${close}?` : elsewhere ? ` ${command} does not take --${name}.` : ''
    return `Unknown option ${quoted}.${hint} ${usage}`
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // Node says e.g. "Option '--url <value>' argument missing" or "Option '--json' does not take an argument".
    const name = quoted.split(' ')[0]
    const bare = name.replace(/^-+/, '')
    const o: OptionSpec | undefined = Object.hasOwn(OPTIONS, bare) ? OPTIONS[bare as OptionName] : undefined
    if (o?.type === 'boolean') return `${name} takes no value. ${usage}`
    return `${name} needs a value: ${name} <${o?.value ?? 'value'}>. ${usage}`
  }
  return `${e.message ?? String(err)}. ${usage}`
}

/** The option name nearest to a mistyped one (edit distance up to 3), for "did you mean". */
export function closest(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null
  let bestDistance = 4
  for (const c of candidates) {
    const d = editDistance(name, c)
    if (d < bestDistance && d < Math.max(name.length, 2)) {
      best = c
      bestDistance = d
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]
}

/** The value of a string option, or '' when not given (the shape the shared option readers take). */
export function stringOption(parsed: ParsedArgs, name: string): string {
  const v = (parsed.values as Record<string, string | boolean | undefined>)[name]
  return typeof v === 'string' ? v : ''
}

export function flag(parsed: ParsedArgs, name: OptionName): boolean {
  return parsed.values[name] === true
}
