/**
 * The report's built-in sections (key analysis, the sampled timeline). The summary and the comment
 * always include them, so every caller (the action, `--markdown`) renders the same full report;
 * `RenderOptions.extensions` adds further ones. A feature implements ReportExtension (section.ts)
 * in its own module and is listed here; it never imports this file, so no import cycle forms.
 */
import { keyAnalysisExtension } from './keys.js'
import type { ReportExtension } from './section.js'
import { samplingExtension } from './timeline.js'
import { instancesExtension } from './instances.js'

export type { Placement, ReportExtension, ReportSection, Variant } from './section.js'

export const REPORT_EXTENSIONS: readonly ReportExtension[] = [samplingExtension, keyAnalysisExtension, instancesExtension]
