import { describe, expect, it } from '@jest/globals'
import { commentMarker, defaultCommentKey, matrixValues, parseMatrix, readCommentSettings } from '../src/github/comment-settings.js'
import { explainGitHubError, pullRequestNumber, runPageUrl } from '../src/github/comment.js'
import { UserError } from '../src/core/errors.js'

const inputs = (over: Partial<{ comment: string; commentKey: string; matrix: string; githubToken: string }> = {}) => ({
  comment: '',
  commentKey: '',
  matrix: '',
  githubToken: 't',
  ...over
})
const env = { GITHUB_WORKFLOW: 'CI', GITHUB_JOB: 'test' }

describe('comment settings', () => {
  it('keys the comment on workflow, job and the sorted matrix values', () => {
    const s = readCommentSettings(inputs({ matrix: '{"redis":"7.2","node":20,"os":{"name":"ubuntu"}}' }), env)
    expect(s.mode).toBe('on-change')
    expect(s.key).toBe('CI/test/node=20,os={"name":"ubuntu"},redis=7.2')
    expect(s.title).toBe('test (node: 20, os: {"name":"ubuntu"}, redis: 7.2)')
  })

  it('treats toJSON(matrix) outside a matrix (null) as no matrix', () => {
    expect(readCommentSettings(inputs({ matrix: 'null' }), env).key).toBe('CI/test')
    expect(matrixValues(parseMatrix(''))).toEqual([])
  })

  it('uses comment-key as given', () => {
    expect(readCommentSettings(inputs({ commentKey: ' redis 6 ' }), env)).toMatchObject({ key: 'redis 6', title: 'redis 6' })
    expect(defaultCommentKey('', '', [])).toBe('default')
  })

  it('rejects bad values with one line that says what to write', () => {
    expect(() => readCommentSettings(inputs({ comment: 'yes' }), env)).toThrow(new UserError('comment: "yes" is not valid. Use on-change, auto, on-breach or off.'))
    expect(() => readCommentSettings(inputs({ matrix: '{node: 20' }), env)).toThrow('matrix: not JSON. Leave it unset, or pass matrix: ${{ toJSON(matrix) }}.')
    expect(() => readCommentSettings(inputs({ matrix: '[1]' }), env)).toThrow('matrix: must be a JSON object.')
    expect(readCommentSettings(inputs({ comment: 'ON-BREACH' }), env).mode).toBe('on-breach')
  })
})

describe('comment marker', () => {
  it('cannot be ended early by the key, and different keys never match each other', () => {
    const m = commentMarker('evil --> <script> key')
    expect(m).toBe('<!-- redis-memory-guard:evil --%3E %3Cscript%3E key -->')
    expect(m.indexOf('-->')).toBe(m.length - 3)
    expect(commentMarker('CI/test').length).toBeGreaterThan(0)
    expect(commentMarker('CI/test2').includes(commentMarker('CI/test'))).toBe(false)
  })
})

describe('pull request and links', () => {
  it('finds the pull request number only on pull request events', () => {
    expect(pullRequestNumber('pull_request', { pull_request: { number: 7 } })).toBe(7)
    expect(pullRequestNumber('pull_request_target', { pull_request: { number: 8 } })).toBe(8)
    expect(pullRequestNumber('push', { pull_request: { number: 7 } })).toBeNull()
    expect(pullRequestNumber('pull_request', {})).toBeNull()
    expect(pullRequestNumber(undefined, null)).toBeNull()
  })

  it('links the run page', () => {
    expect(runPageUrl({ GITHUB_SERVER_URL: 'https://ghe.example/', GITHUB_REPOSITORY: 'a/b', GITHUB_RUN_ID: '9' })).toBe('https://ghe.example/a/b/actions/runs/9')
    expect(runPageUrl({})).toBeUndefined()
  })

  it('names the missing permission for 403 and 404, and the token for 401', () => {
    const err = (status: number, message: string) => Object.assign(new Error(`${message} - https://docs.github.com`), { status, response: { data: { message } } })
    expect(explainGitHubError(err(403, 'Resource not accessible by integration'))).toMatch(
      /^Could not post the PR comment: GitHub answered 403 \(Resource not accessible by integration\)\. The token lacks the pull-requests: write permission\./
    )
    expect(explainGitHubError(err(404, 'Not Found'))).toContain('pull-requests: write')
    expect(explainGitHubError(err(401, 'Bad credentials'))).toContain('github-token input is not a valid token')
    expect(explainGitHubError(new Error('socket hang up'))).toBe(
      'Could not post the PR comment: socket hang up. The job summary, the JSON report and the comment-body output still have the report.'
    )
  })
})
