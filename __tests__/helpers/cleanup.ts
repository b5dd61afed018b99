/**
 * jest's set-up for every test file: after each test, the post step of any action job the test
 * left after its main step, as the runner would run it, so a failing test does not leave a
 * container, a cluster or a sampler running.
 */
import { afterEach } from '@jest/globals'
import { finishPendingPosts } from './action-runner.js'

afterEach(async () => {
  await finishPendingPosts()
}, 60_000)
