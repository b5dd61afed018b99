/**
 * The shape of report parts that other features add (key analysis, the sampled timeline). Types
 * only, so the features and the renderer that lists them never import each other.
 */
import type { CheckName } from '../judge/checks.js'
import type { Report } from '../report/schema.js'

/** Which text is being rendered: the job summary (everything) or the PR comment (shorter). */
export type Variant = 'summary' | 'comment'

/** Where a section goes: in the open, after the breaches, or collapsed with the details. */
export type Placement = 'main' | 'details'

export interface ReportSection {
  /** Stable id, e.g. `keys` or `timeline`. */
  id: string
  /** What it is, in words, for the "left out to fit" notice, e.g. "largest keys". */
  label: string
  /** 0-100; the least important parts are shortened, then dropped, first. Breaches are 95, the table 80. */
  importance: number
  placement: Placement
  /** Markdown; anything from Redis must already be escaped (escapeMarkdown, codeText, fencedBlock). */
  text: string
  /** A shorter form tried before the section is dropped. */
  short?: string
}

export interface ReportExtension {
  /** Its own sections; return [] when the report has nothing for it (e.g. no `report.keys`). */
  sections?(report: Report, variant: Variant): ReportSection[]
  /** Extra lines (markdown, escaped) under a breach, e.g. the prefixes of leaked keys under `leaked-keys`. */
  breachHints?(report: Report, check: CheckName, variant: Variant): string[]
}
