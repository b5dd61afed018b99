/**
 * A small GitHub REST server on 127.0.0.1 for tests: issue comments (list with Link-header
 * pagination, create, update), kept in memory. GITHUB_API_URL points the action at it.
 * `answers` scripts the next answers exactly (status, headers, raw body): rate limits, an HTML
 * 502 from a proxy, a 200 whose body is not JSON.
 */
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

export interface FakeGitHub {
  url: string
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
    seed(issue, bodies) {
      const list = state.comments.get(issue) ?? []
      for (const body of bodies) list.push(comment(issue, nextId++, body, 'someone'))
      state.comments.set(issue, list)
    },
    close: async () => new Promise<void>((r) => server.close(() => r()))
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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const addr = server.address()
  state.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  return state
}
