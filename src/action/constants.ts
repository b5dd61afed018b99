/** Names of the action's inputs, outputs and saved state: the public interface, spelled once. */
export enum Input {
  RedisUrl = 'redis-url',
  ConnectTimeout = 'connect-timeout',
  MaxUsedMemory = 'max-used-memory',
  MaxPeakMemory = 'max-peak-memory',
  MaxMemoryPercent = 'max-memory-percent',
  MaxFragmentationRatio = 'max-fragmentation-ratio',
  MaxLeakedKeys = 'max-leaked-keys',
  FailOn = 'fail-on',
  ReportPath = 'report-path',
  Comment = 'comment',
  CommentKey = 'comment-key',
  Matrix = 'matrix',
  GithubToken = 'github-token',
  SampleInterval = 'sample-interval',
  SampleMaxDuration = 'sample-max-duration',
  Run = 'run'
}

/** Inputs for starting Redis for the job (or limiting the attached one); see src/provision/. */
export enum ProvisionInput {
  Mode = 'mode',
  ContainerRuntime = 'container-runtime',
  Image = 'image',
  ContainerName = 'container-name',
  Port = 'port',
  Maxmemory = 'maxmemory',
  MaxmemoryPolicy = 'maxmemory-policy',
  Password = 'password',
  RedisArgs = 'redis-args',
  ContainerOptions = 'container-options',
  RedisServerPath = 'redis-server-path',
  KeepContainer = 'keep-container'
}

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
  ContainerId = 'container-id'
}

export enum State {
  /** Folder with the main step's files (the "before" snapshot). */
  WorkDir = 'work-dir',
  /** The one-line error that stopped the main step, for the post step's summary. */
  MainError = 'main-error',
  /** Set once the main step ran, so the post step knows it is a post step of ours. */
  MainRan = 'main-ran',
  /** JSON of what the main step started or changed (container, redis-server, CONFIG SET), to undo in post. */
  Provisioned = 'provisioned',
  /** The background sampler's process id, for the post step to stop it. */
  SamplerPid = 'sampler-pid',
  /** When the sampler started (ISO time): the chart's zero. */
  SamplerStartedAt = 'sampler-started-at',
  /** Set when the main step ran the `run` command and wrote the report itself: the post step does nothing. */
  ReportDone = 'report-done'
}

export const BEFORE_FILE = 'before.json'
export const SAMPLES_FILE = 'samples.jsonl'
export const DEFAULT_REPORT_NAME = 'redis-memory-report.json'
