import * as core from '@actions/core'
import type { Settings } from './inputs.js'
import { urlPasswords } from '../redis/target.js'

/**
 * Registers every password the inputs hold with the runner, so it is masked in every log line:
 * each instance's of a `redis-url` list (not only the first), the provisioning one, and each
 * spelling a URL may carry (as written, decoded, percent-encoded).
 */
export function maskSecrets(settings: Pick<Settings, 'target' | 'provisioning'> & { multi?: Pick<Settings['multi'], 'instances'> }, redisUrlInput = ''): void {
  const passwords = new Set<string>([...urlPasswords(redisUrlInput)])
  for (const password of [settings.target.password, settings.provisioning.password]) if (password) passwords.add(password)
  for (const instance of settings.multi?.instances ?? []) {
    const password = instance.kind === 'direct' ? instance.target.password : instance.sentinel.password
    if (password) passwords.add(password)
  }
  for (const password of passwords) {
    core.setSecret(password)
    const encoded = encodeURIComponent(password)
    if (encoded !== password) core.setSecret(encoded)
  }
}
