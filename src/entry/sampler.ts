import { configFromEnv, runSampler } from '../sampler/worker.js'

// The detached sampler the main step starts; it has no runner to report to, so it never throws.
try {
  await runSampler(configFromEnv(process.env))
} catch {
  process.exit(2)
}
