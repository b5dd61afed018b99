import { endProcess } from '../errors.js'
import { run } from '../action/post.js'

await endProcess(run())
