import { endProcess } from '../errors.js'
import { run } from '../action/main.js'

await endProcess(run())
