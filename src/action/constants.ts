/** Names of the action's outputs and saved state: the Actions runtime's side, used only under src/action/. */
export enum Output {
  Verdict = 'verdict',
  UsedMemoryBefore = 'used-memory-before',
  UsedMemoryAfter = 'used-memory-after',
  UsedMemoryPeak = 'used-memory-peak',
  OomErrors = 'oom-errors',
  EvictedKeys = 'evicted-keys',
  LeakedKeys = 'leaked-keys',
  ReportPath = 'report-path',
  CommentId = 'comment-id',
  CommentUrl = 'comment-url',
  CommentBody = 'comment-body',
  ExitCode = 'exit-code'
}

/** Outputs that say where the Redis is, set by the main step so later steps can use it. */
export enum ProvisionOutput {
  RedisUrl = 'redis-url',
  RedisHost = 'redis-host',
  RedisPort = 'redis-port',
  ContainerId = 'container-id',
  /** Every node's URL, one per line (a started cluster's nodes, masters first). */
  RedisUrls = 'redis-urls'
}

/** Keys of the state the main step saves for the post step; values are JSON (see state.ts). */
export enum State {
  /** Folder with the step's files (the "before" snapshot, key names, samples); saved first. */
  WorkDir = 'work-dir',
  /** The one-line error that stopped the main step, for the post step's summary. */
  MainError = 'main-error',
  /** What the main step started or changed (container, redis-server, CONFIG SET), to undo in post. */
  Provisioned = 'provisioned',
  /** The begun step (work folder, the running sampler), for the post step to end. */
  Step = 'step',
  /** Set when the main step ran the `run` command and wrote the report itself: the post step only cleans up. */
  ReportDone = 'report-done'
}
