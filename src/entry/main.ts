import { run } from '../action/main.js'

// Exit explicitly (with the exit code run() set) so that no open handle can keep the step waiting.
await run().finally(() => process.exit())
