import * as core from '@actions/core'
import type { RedisTarget } from '../redis/target.js'

/** Registers the password with the runner so it is masked in every log line. */
export function maskSecrets(target: RedisTarget): void {
  if (target.password) {
    core.setSecret(target.password)
    // The URL may carry it percent-encoded; mask that spelling too.
    const encoded = encodeURIComponent(target.password)
    if (encoded !== target.password) core.setSecret(encoded)
  }
}
