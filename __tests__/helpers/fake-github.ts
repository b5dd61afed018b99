/**
 * A small GitHub REST server on 127.0.0.1 for tests: issue comments (list with Link-header
 * pagination, create, update), and for the baseline a repository's branches and files (contents
 * API with GitHub's sha conflicts, refs, compare), kept in memory. GITHUB_API_URL points the
 * action at it. `answers` scripts the next answers exactly (status, headers, raw body): rate
 * limits, an HTML 502 from a proxy, a 200 whose body is not JSON.
 */
import { createHash, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

export interface FakeComment {
  id: number
  body: string
  html_url: string
  user: { login: string }
}

export interface RecordedRequest {
  method: string
  path: string
  authorization: string | undefined
  body?: unknown
}

/** One scripted answer, sent as is to the next request it fits. */
export interface ScriptedAnswer {
  status: number
  /** Sent byte for byte: JSON, HTML or anything else. */
  body: string
  headers?: Record<string, string>
  /** Only requests with one of these methods get it; all when unset. */
  methods?: string[]
}

/** One repository: branches (name → commit sha), files per branch, and known merge bases. */
export interface FakeRepo {
  defaultBranch: string
  branches: Map<string, string>
  /** branch → path → file; a branch created from another starts with a copy of its files. */
  files: Map<string, Map<string, { content: Buffer; sha: string }>>
  /** `base...head` → the merge base commit the compare API answers with. */
  mergeBases: Map<string, string>
}

export interface FakeGitHub {
  url: string
  /** Repositories by `owner/repo`, for the contents, refs and compare endpoints. */
  repos: Map<string, FakeRepo>
  /** Milliseconds to wait before answering a contents GET, so concurrent writers read the same sha. */
  contentsLatencyMs: number
  /** Milliseconds to wait before answering any request: a network round trip, for benchmarks. */
  latencyMs: number
  seedRepo(name: string, opts?: { defaultBranch?: string }): FakeRepo
  /** The text of a file on a branch, or undefined. */
  fileText(name: string, branch: string, path: string): string | undefined
  /** Comments per `owner/repo#number`. */
  comments: Map<string, FakeComment[]>
  requests: RecordedRequest[]
  /** When set, every request is answered with this status (e.g. 403 for a read-only token). */
  failWith?: { status: number; message: string; methods?: string[] }
  /** Answers used up in order, each by the first request that fits it, before the normal handling. */
  answers: ScriptedAnswer[]
  seed(issue: string, bodies: string[]): void
  close(): Promise<void>
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  let nextId = 1000
  const state: FakeGitHub = {
    url: '',
    comments: new Map(),
    requests: [],
    answers: [],
    repos: new Map(),
    contentsLatencyMs: 0,
    latencyMs: 0,
    seedRepo(name, opts = {}) {
      const defaultBranch = opts.defaultBranch ?? 'main'
      const repo: FakeRepo = { defaultBranch, branches: new Map([[defaultBranch, commitSha()]]), files: new Map([[defaultBranch, new Map()]]), mergeBases: new Map() }
      state.repos.set(name, repo)
      return repo
    },
    fileText(name, branch, path) {
      return state.repos.get(name)?.files.get(branch)?.get(path)?.content.toString('utf8')
    },
    seed(issue, bodies) {
      const list = state.comments.get(issue) ?? []
      for (const body of bodies) list.push(comment(issue, nextId++, body, 'someone'))
      state.comments.set(issue, list)
    },
    close: async () =>
      new Promise<void>((r) => {
        server.close(() => r())
        // A response held back by contentsLatencyMs must not keep the test process alive.
        server.closeAllConnections()
      })
  }
  const comment = (issue: string, id: number, body: string, login: string): FakeComment => {
    const [repo, number] = issue.split('#')
    return { id, body, html_url: `https://github.example/${repo}/pull/${number}#issuecomment-${id}`, user: { login } }
  }
  const send = (res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    res.end(JSON.stringify(data))
  }
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const body = raw ? JSON.parse(raw) : undefined
    const url = new URL(req.url ?? '/', state.url)
    state.requests.push({ method: req.method ?? '', path: url.pathname + url.search, authorization: req.headers.authorization, body })
    const scripted = state.answers.findIndex((a) => !a.methods || a.methods.includes(req.method ?? ''))
    if (scripted >= 0) {
      const [answer] = state.answers.splice(scripted, 1)
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers })
      res.end(answer.body)
      return
    }
    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs).unref())
    if (state.failWith && (!state.failWith.methods || state.failWith.methods.includes(req.method ?? ''))) {
      send(res, state.failWith.status, { message: state.failWith.message, documentation_url: 'https://docs.github.com/rest' })
      return
    }
    let m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname)
    if (m) {
      const issue = `${m[1]}/${m[2]}#${m[3]}`
      const list = state.comments.get(issue) ?? []
      if (req.method === 'GET') {
        const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30))
        const page = Number(url.searchParams.get('page') ?? 1)
        const last = Math.max(1, Math.ceil(list.length / perPage))
        const links: string[] = []
        const pageUrl = (p: number): string => {
          const u = new URL(url.toString())
          u.searchParams.set('page', String(p))
          u.searchParams.set('per_page', String(perPage))
          return u.toString()
        }
        if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`)
        if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`, `<${pageUrl(page - 1)}>; rel="prev"`)
        send(res, 200, list.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(', ') } : {})
        return
      }
      if (req.method === 'POST') {
        const created = comment(issue, nextId++, String((body as { body: string }).body), 'github-actions[bot]')
        list.push(created)
        state.comments.set(issue, list)
        send(res, 201, created)
        return
      }
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/(contents|git\/ref|git\/refs|compare)(?:\/(.*))?$/.exec(url.pathname)
    const repo = m ? state.repos.get(`${m[1]}/${m[2]}`) : undefined
    if (m && repo) {
      await repoEndpoint(repo, m[3], decodeURIComponent(m[4] ?? ''), req.method ?? '', url, body, res)
      return
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname)
    if (m && req.method === 'PATCH') {
      const id = Number(m[3])
      for (const list of state.comments.values()) {
        const found = list.find((c) => c.id === id)
        if (found) {
          found.body = String((body as { body: string }).body)
          send(res, 200, found)
          return
        }
      }
    }
    send(res, 404, { message: 'Not Found' })
  })
  // GitHub's own answers, status and message, for each way a baseline write can go wrong.
  const repoEndpoint = async (repo: FakeRepo, kind: string, rest: string, method: string, url: URL, body: unknown, res: ServerResponse): Promise<void> => {
    const b = (body ?? {}) as Record<string, unknown>
    if (kind === 'contents' && method === 'GET') {
      // The state is read on arrival and answered late: a writer that reads now gets what is there now,
      // however long its answer takes, as with a slow network.
      const ref = url.searchParams.get('ref') ?? repo.defaultBranch
      const files = repo.files.get(ref)
      const file = files?.get(rest)
      if (state.contentsLatencyMs > 0) await new Promise((r) => setTimeout(r, state.contentsLatencyMs).unref())
      if (!files) return send(res, 404, { message: `No commit found for the ref ${ref}` })
      if (!file) return send(res, 404, { message: 'Not Found' })
      // GitHub wraps the base64 content at 60 characters.
      const content = (file.content.toString('base64').match(/.{1,60}/g) ?? []).join('\n')
      return send(res, 200, { type: 'file', encoding: 'base64', size: file.content.length, name: rest.split('/').pop(), path: rest, sha: file.sha, content })
    }
    if (kind === 'contents' && method === 'PUT') {
      const branch = typeof b.branch === 'string' ? b.branch : repo.defaultBranch
      const files = repo.files.get(branch)
      if (!files) return send(res, 404, { message: `Branch ${branch} not found` })
      const existing = files.get(rest)
      if (existing && b.sha === undefined) return send(res, 422, { message: 'Invalid request.\n\n"sha" wasn\'t supplied.' })
      if ((existing && b.sha !== existing.sha) || (!existing && b.sha !== undefined)) {
        return send(res, 409, { message: `${rest} does not match ${String(b.sha)}` })
      }
      const content = Buffer.from(String(b.content), 'base64')
      const sha = blobSha(content)
      files.set(rest, { content, sha })
      const commit = commitSha()
      repo.branches.set(branch, commit)
      return send(res, existing ? 200 : 201, { content: { path: rest, sha }, commit: { sha: commit, message: b.message } })
    }
    if (kind === 'git/ref' && method === 'GET') {
      const branch = rest.replace(/^heads\//, '')
      const sha = repo.branches.get(branch)
      if (!sha) return send(res, 404, { message: 'Not Found' })
      return send(res, 200, { ref: `refs/heads/${branch}`, object: { type: 'commit', sha } })
    }
    if (kind === 'git/refs' && method === 'POST' && rest === '') {
      const branch = String(b.ref).replace(/^refs\/heads\//, '')
      if (repo.branches.has(branch)) return send(res, 422, { message: 'Reference already exists' })
      const from = [...repo.branches.entries()].find(([, sha]) => sha === b.sha)
      if (!from) return send(res, 422, { message: 'Object does not exist' })
      repo.branches.set(branch, String(b.sha))
      repo.files.set(branch, new Map(repo.files.get(from[0])))
      return send(res, 201, { ref: `refs/heads/${branch}`, object: { type: 'commit', sha: b.sha } })
    }
    if (kind === 'compare' && method === 'GET') {
      const base = repo.mergeBases.get(rest)
      if (!base) return send(res, 404, { message: 'Not Found' })
      return send(res, 200, { status: 'ahead', merge_base_commit: { sha: base }, commits: [], files: [] })
    }
    send(res, 404, { message: 'Not Found' })
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const addr = server.address()
  state.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  return state
}

const commitSha = (): string => randomBytes(20).toString('hex')

/** The sha git gives a blob, as GitHub reports it for a file. */
function blobSha(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')
}

/**
 * The runner's variables for a job of `repo` that talks to the fake GitHub: the event's payload
 * written to a file in `dir` (by default a push payload naming `main` the default branch).
 */
export function jobEnv(
  github: FakeGitHub,
  dir: string,
  repo: string,
  event: 'push' | 'pull_request',
  extra: { ref?: string; sha: string; payload?: unknown }
): Record<string, string> {
  const path = join(dir, `${event}-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(path, JSON.stringify(extra.payload ?? { repository: { default_branch: 'main' } }))
  return {
    GITHUB_API_URL: github.url,
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: path,
    GITHUB_REPOSITORY: repo,
    GITHUB_REF: extra.ref ?? 'refs/heads/main',
    GITHUB_SHA: extra.sha,
    GITHUB_WORKFLOW: 'CI',
    GITHUB_JOB: 'test',
    GITHUB_RUN_ID: String(Math.floor(Math.random() * 1e6)),
    GITHUB_SERVER_URL: 'https://github.example'
  }
}
