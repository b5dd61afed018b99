import * as core from '@actions/core'
import type { Settings } from './inputs.js'

/** Registers every password the inputs hold with the runner, so it is masked in every log line. */
export function maskSecrets(settings: Pick<Settings, 'target' | 'provisioning'>): void {
  for (const password of [settings.target.password, settings.provisioning.password]) {
    if (!password) continue
    core.setSecret(password)
    // A URL may carry it percent-encoded; mask that spelling too.
    const encoded = encodeURIComponent(password)
    if (encoded !== password) core.setSecret(encoded)
  }
}
