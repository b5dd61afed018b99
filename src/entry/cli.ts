#!/usr/bin/env node
import { endProcess } from '../core/errors.js'
import { main } from '../cli/main.js'

// 4: an internal error that escaped main's own handling (see ExitCode in cli/context.ts).
await endProcess(main(process.argv.slice(2)), 4)
