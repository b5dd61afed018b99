/** The key analysis's inputs, checked and typed. */
import { UserError } from '../core/errors.js'
import { parseDuration, parseNumber } from '../core/size.js'
import type { KeyMatcher } from './glob.js'
import { parseKeyPatterns } from './patterns.js'
import { parseIgnoreKeys, toByteString, type PrefixRule } from './prefix.js'
import type { KeyMemoryMode } from './sampling.js'

export interface KeySettings {
  /** False when key-scan-budget is 0: no inventory, leaked keys counted per DB as before. */
  enabled: boolean
  budgetMs: number
  rule: PrefixRule
  /** `key-patterns` as the user wrote them, for the report; compiled into `rule.patterns`. */
  keyPatterns: string[]
  /** The delimiter as the user wrote it, for the report. */
  delimiterText: string
  ignorePatterns: string[]
  ignore: KeyMatcher | null
  /** The DB the tests should use; null = not checked. */
  expectedDb: number | null
  /** `key-memory`: MEMORY USAGE of every key, of a sample per prefix, or `auto` (sampled above 200,000 keys). */
  keyMemory: KeyMemoryMode
  /**
   * `key-scope`: on a Redis shared with other jobs, only new keys matching these globs are this
   * job's leaks; the others are counted as outside the scope. Empty (and null) = every key.
   */
  scopePatterns?: string[]
  scope?: KeyMatcher | null
}

export const KeyInput = {
  ExpectedDb: 'expected-db',
  KeyScanBudget: 'key-scan-budget',
  IgnoreKeys: 'ignore-keys',
  KeyDelimiter: 'key-delimiter',
  PrefixDepth: 'prefix-depth',
  KeyPatterns: 'key-patterns',
  KeyMemory: 'key-memory',
  KeyScope: 'key-scope'
} as const

const KEY_MEMORY_MODES: readonly KeyMemoryMode[] = ['exact', 'sampled', 'auto']

/** `key-memory`: exact, sampled or auto (the default); anything else is a UserError naming the input. */
export function parseKeyMemory(text: string, name: string = KeyInput.KeyMemory): KeyMemoryMode {
  const value = text.trim().toLowerCase()
  if (value === '') return 'auto'
  if ((KEY_MEMORY_MODES as readonly string[]).includes(value)) return value as KeyMemoryMode
  throw new UserError(`${name}: "${text.slice(0, 40)}" is not a key-memory mode. Use exact, sampled or auto (e.g. auto).`)
}

export const DEFAULT_KEY_SCAN_BUDGET_MS = 10_000
/** An inventory that needs more than an hour would hold the job for longer than most test suites run. */
export const MAX_KEY_SCAN_BUDGET_MS = 3_600_000

/** `name` spells an option for the user's errors: the input as is, or the CLI's `--flag`. */
export function readKeySettings(getInput: (name: string) => string, name: (option: string) => string = (o) => o): KeySettings {
  const budgetMs = parseDuration(getInput(KeyInput.KeyScanBudget), name(KeyInput.KeyScanBudget), MAX_KEY_SCAN_BUDGET_MS) ?? DEFAULT_KEY_SCAN_BUDGET_MS
  // The runner trims inputs, so an empty value means the default.
  const delimiterText = getInput(KeyInput.KeyDelimiter) || ':'
  const depth = parseNumber(getInput(KeyInput.PrefixDepth), name(KeyInput.PrefixDepth), { example: '2', min: 1, max: 10, integer: true }) ?? 2
  const expectedDb = parseNumber(getInput(KeyInput.ExpectedDb), name(KeyInput.ExpectedDb), { example: '0', min: 0, max: 100_000, integer: true }) ?? null
  const { patterns, matcher } = parseIgnoreKeys(getInput(KeyInput.IgnoreKeys), name(KeyInput.IgnoreKeys))
  const keyPatterns = parseKeyPatterns(getInput(KeyInput.KeyPatterns), delimiterText, name(KeyInput.KeyPatterns))
  // The same glob syntax and checks as ignore-keys; a bad glob gets one line naming key-scope.
  const scope = parseIgnoreKeys(getInput(KeyInput.KeyScope), name(KeyInput.KeyScope))
  return {
    enabled: budgetMs > 0,
    budgetMs,
    rule: { delimiter: toByteString(delimiterText), depth, ...(keyPatterns.length > 0 ? { patterns: keyPatterns } : {}) },
    keyPatterns: keyPatterns.map((p) => p.text),
    delimiterText,
    ignorePatterns: patterns,
    ignore: matcher,
    expectedDb,
    keyMemory: parseKeyMemory(getInput(KeyInput.KeyMemory), name(KeyInput.KeyMemory)),
    ...(scope.matcher ? { scopePatterns: scope.patterns, scope: scope.matcher } : {})
  }
}
