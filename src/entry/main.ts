import { endProcess } from '../core/errors.js'
import { run } from '../action/main.js'

await endProcess(run())
