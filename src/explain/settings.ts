/**
 * The cause's options, read once by the action's inputs and the CLI's flags (same names):
 * `junit-report` (paths or globs of JUnit XML files) and the limit the "near the limit" moment
 * watches (`max-peak-memory`, from the thresholds).
 */
import { JUNIT_REPORT_INPUT, parseJUnitReportInput } from './junit-files.js'

export interface CauseSettings {
  /** max-peak-memory in bytes: a moment snapshot is taken when used memory passes 90% of it. */
  maxPeakMemory: number | null
  /** The junit-report patterns; empty when not given. */
  junitReport: string[]
}

export const CauseInput = { JUnitReport: JUNIT_REPORT_INPUT } as const

/** Reads `junit-report`; a pattern that would search the whole disk throws a UserError naming the option. */
export function readCauseSettings(get: (name: string) => string, maxPeakMemory: number | null | undefined, label: (name: string) => string = (n) => n): CauseSettings {
  return { maxPeakMemory: maxPeakMemory ?? null, junitReport: parseJUnitReportInput(get(CauseInput.JUnitReport), label(CauseInput.JUnitReport)) }
}
