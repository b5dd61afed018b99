/**
 * The action's settings for the step engine's one dispatch (src/step/watch.ts): how several
 * instances or a cluster are watched, and attach mode's limits saved for the post step to set back.
 */
import { attachLimits } from '../provision/index.js'
import { withTls } from '../redis/tls.js'
import type { MultiConfig } from '../step/multi.js'
import type { WatchSetup } from '../step/watch.js'
import { State } from './constants.js'
import { actionHost } from './host.js'
import type { Settings } from './inputs.js'
import { saveState } from './state.js'

/** The engine's configuration for several nodes, from the inputs. */
export function multiConfig(settings: Settings, workDir: string): MultiConfig {
  return {
    connectTimeoutMs: settings.connectTimeoutMs,
    keys: settings.keys,
    sampling: { intervalMs: settings.sampleIntervalMs, maxLifeMs: settings.sampleMaxDurationMs, tls: settings.tls },
    workDir,
    cluster: settings.multi.cluster,
    withTls: (t) => (t.tls ? withTls(t, settings.tls) : t)
  }
}

/** Either path's setup; attach mode's maxmemory / maxmemory-policy are saved as soon as each server has them. */
export function watchSetup(settings: Settings, workDir: string): WatchSetup {
  const limits = attachLimits(settings.provisioning)
  return {
    multi: multiConfig(settings, workDir),
    host: actionHost,
    ...(limits ? { limits, onLimits: (applied) => saveState(State.Provisioned, applied) } : {})
  }
}
