/** The key analysis's inputs, checked and typed. */
import { UserError } from '../errors.js'
import { parseDuration, parseNumber } from '../size.js'
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
}

export const KeyInput = {
  ExpectedDb: 'expected-db',
  KeyScanBudget: 'key-scan-budget',
  IgnoreKeys: 'ignore-keys',
  KeyDelimiter: 'key-delimiter',
  PrefixDepth: 'prefix-depth',
  KeyPatterns: 'key-patterns',
  KeyMemory: 'key-memory'
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

export function readKeySettings(getInput: (name: string) => string, nameOf: (name: string) => string = (name) => name): KeySettings {
  const budgetMs = parseDuration(getInput(KeyInput.KeyScanBudget), KeyInput.KeyScanBudget, MAX_KEY_SCAN_BUDGET_MS) ?? DEFAULT_KEY_SCAN_BUDGET_MS
  // The runner trims inputs, so an empty value means the default.
  const delimiterText = getInput(KeyInput.KeyDelimiter) || ':'
  const depth = parseNumber(getInput(KeyInput.PrefixDepth), KeyInput.PrefixDepth, { example: '2', min: 1, max: 10, integer: true }) ?? 2
  const expectedDb = parseNumber(getInput(KeyInput.ExpectedDb), KeyInput.ExpectedDb, { example: '0', min: 0, max: 100_000, integer: true }) ?? null
  const { patterns, matcher } = parseIgnoreKeys(getInput(KeyInput.IgnoreKeys), KeyInput.IgnoreKeys)
  const keyPatterns = parseKeyPatterns(getInput(KeyInput.KeyPatterns), delimiterText, KeyInput.KeyPatterns)
  return {
    enabled: budgetMs > 0,
    budgetMs,
    rule: { delimiter: toByteString(delimiterText), depth, ...(keyPatterns.length > 0 ? { patterns: keyPatterns } : {}) },
    keyPatterns: keyPatterns.map((p) => p.text),
    delimiterText,
    ignorePatterns: patterns,
    ignore: matcher,
    expectedDb,
    keyMemory: parseKeyMemory(getInput(KeyInput.KeyMemory), nameOf(KeyInput.KeyMemory))
  }
}
