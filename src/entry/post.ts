import { endProcess } from '../core/errors.js'
import { run } from '../action/post.js'

await endProcess(run())
