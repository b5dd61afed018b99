/**
 * Issue 20 on the built engines: a step that runs `true` reports a change within 16 KB, and the
 * guard's own latency histograms once, on Redis 7.4.1 and Valkey 8.0.1 (the same test runs on
 * Debian's 7.0 in do-no-harm.test.ts). The servers come from the cache scripts/build-engines.sh fills.
 */
import { join } from 'node:path'
import { describeNoOpStep } from './helpers/no-op-step.js'

const CACHE = process.env.REDIS_GUARD_ENGINE_CACHE || '/var/cache/redis-memory-guard/engines'

describeNoOpStep([
  { label: 'Redis 7.4.1', server: join(CACHE, 'redis-7.4.1', 'bin', 'redis-server') },
  { label: 'Valkey 8.0.1', server: join(CACHE, 'valkey-8.0.1', 'bin', 'valkey-server') }
])
