import { endProcess } from '../core/errors.js'
import { configFromEnv, runSampler } from '../sampler/worker.js'

// The detached sampler the step starts; it has no runner to report to: exit code 2 says it failed.
await endProcess(Promise.resolve().then(() => runSampler(configFromEnv(process.env))), 2)
