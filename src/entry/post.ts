import { run } from '../action/post.js'

// Exit explicitly so that no open handle can keep the post step (and the job) waiting.
await run().finally(() => process.exit())
