export const id = 822;
export const ids = [822];
export const modules = {

/***/ 9822:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  publish: () => (/* binding */ publish),
  publishRun: () => (/* binding */ publishRun),
  writeSummary: () => (/* binding */ writeSummary)
});

// EXTERNAL MODULE: ./.tmp/bundle-src/action/runner.js
var runner = __webpack_require__(9138);
// EXTERNAL MODULE: ./.tmp/bundle-src/errors.js
var errors = __webpack_require__(9080);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: ./.tmp/bundle-src/github/comment-settings.js
var comment_settings = __webpack_require__(7714);
;// CONCATENATED MODULE: ./.tmp/bundle-src/github/comment.js



/** The pull request a `pull_request` or `pull_request_target` event is about, or null for other events. */
function comment_pullRequestNumber(eventName, payload) {
    if (eventName !== 'pull_request' && eventName !== 'pull_request_target')
        return null;
    const n = payload?.pull_request?.number;
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null;
}
/** The run's page, where the full job summary is; undefined outside GitHub Actions. */
function runPageUrl(env = process.env) {
    if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID)
        return undefined;
    const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
    return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}
/** Pages of 100 comments looked through at most: 5000 comments, far more than any pull request has. */
const MAX_PAGES = 50;
/** The wait before the one retry after a 5xx: enough for a load balancer to pick another backend. */
const SERVER_ERROR_BACKOFF_MS = 1000;
const DEFAULT_TIMEOUT_MS = 60_000;
/**
 * GitHub answered with success, but not with what the API promises (e.g. a proxy's HTML page with
 * a 200). Not a permission problem; the comment may or may not be there.
 */
class GitHubAnswerError extends Error {
    constructor(message) {
        super(message);
        this.name = 'GitHubAnswerError';
    }
}
/**
 * Finds the comment with `marker` on any page. The post step starts this while it still scans
 * the keys, so the lookup's round trips cost no time of their own; upsertComment takes its result.
 */
async function comment_lookUpComment(req) {
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    // Loaded only when a comment is posted: octokit is most of the post bundle, and most runs post none.
    const { getOctokit } = await __webpack_require__.e(/* import() */ 413).then(__webpack_require__.bind(__webpack_require__, 2413));
    const octokit = getOctokit(req.token, { request: { signal: AbortSignal.timeout(timeoutMs) } });
    const where = { owner: req.owner, repo: req.repo };
    let existing;
    for (let page = 1; page <= MAX_PAGES && !existing; page++) {
        const { status, data } = await withOneRetry(() => octokit.rest.issues.listComments({ ...where, issue_number: req.issueNumber, per_page: 100, page }), deadline);
        if (!Array.isArray(data)) {
            throw new GitHubAnswerError(`Could not look for the PR comment: GitHub answered ${status} to listing comments, but not with a JSON list (${summariseBody(data)})`);
        }
        existing = data.map(commentOf).find((c) => c !== null && c.body.includes(req.marker)) ?? undefined;
        if (data.length < 100)
            break;
    }
    return { octokit, existing, deadline };
}
/**
 * Finds the comment with `marker` on any page (or takes `lookup`, begun earlier) and updates it,
 * or creates one. Each call gets one retry for a 5xx or a secondary rate limit, and all calls and
 * waits together stay inside `timeoutMs`, so a GitHub outage costs the job at most that long.
 */
async function upsertComment(req, lookup) {
    const { octokit, existing, deadline } = (await lookup) ?? (await comment_lookUpComment(req));
    const where = { owner: req.owner, repo: req.repo };
    if (existing) {
        const id = existing.id;
        const { status, data } = await withOneRetry(() => octokit.rest.issues.updateComment({ ...where, comment_id: id, body: req.body }), deadline);
        const updated = commentOf(data);
        if (!updated) {
            throw new GitHubAnswerError(`Could not confirm the PR comment: GitHub answered ${status} to updating it, but not with the comment as JSON (${summariseBody(data)}); it may not be updated`);
        }
        return { action: 'updated', id: updated.id, url: updated.url };
    }
    if (!req.create)
        return { action: 'skipped' };
    const { status, data } = await withOneRetry(() => octokit.rest.issues.createComment({ ...where, issue_number: req.issueNumber, body: req.body }), deadline);
    const created = commentOf(data);
    if (!created) {
        throw new GitHubAnswerError(`Could not confirm the PR comment: GitHub answered ${status} to creating it, but not with the comment as JSON (${summariseBody(data)}); it may not be there`);
    }
    return { action: 'created', id: created.id, url: created.url };
}
/** A comment as the API gives it, or null for anything else (a string, an HTML page, a half object). */
function commentOf(data) {
    const c = data;
    if (typeof c !== 'object' || c === null || typeof c.id !== 'number' || typeof c.html_url !== 'string')
        return null;
    return { id: c.id, url: c.html_url, body: typeof c.body === 'string' ? c.body : '' };
}
/** Errors of calls that failed again on their retry, so the message can say it was tried twice. */
const failedTwice = new WeakSet();
/** Runs `call`, and once more after the wait `retryDelayMs` asks for, if that wait ends before `deadline`. */
async function withOneRetry(call, deadline) {
    try {
        return await call();
    }
    catch (err) {
        const wait = retryDelayMs(err);
        if (wait === null || Date.now() + wait >= deadline)
            throw err;
        await new Promise((resolve) => setTimeout(resolve, wait));
        try {
            return await call();
        }
        catch (again) {
            if (typeof again === 'object' && again !== null)
                failedTwice.add(again);
            throw again;
        }
    }
}
function headerOf(err, name) {
    const value = err?.response?.headers?.[name];
    return value === undefined ? undefined : String(value);
}
/**
 * How long to wait before the one retry a failed call gets, or null when waiting cannot help: a
 * 5xx gets a short pause, a secondary rate limit (403/429 with `retry-after`) the pause GitHub
 * asks for. A used-up primary rate limit resets only within the hour, and 4xx answers do not change.
 */
function retryDelayMs(err) {
    const status = err?.status;
    if (typeof status !== 'number')
        return null;
    if (status >= 500 && status <= 599)
        return SERVER_ERROR_BACKOFF_MS;
    if ((status === 403 || status === 429) && headerOf(err, 'x-ratelimit-remaining') !== '0') {
        const after = Number(headerOf(err, 'retry-after'));
        if (headerOf(err, 'retry-after') !== undefined && Number.isFinite(after) && after >= 0)
            return after * 1000;
    }
    return null;
}
/**
 * One short line for a body that is not GitHub's JSON: the title of an HTML page or its text
 * without tags, at most 120 chars. The body comes from whatever answered, so it is never pasted whole.
 */
function summariseBody(data) {
    if (typeof data !== 'string')
        return data instanceof ArrayBuffer || data === undefined || data === null ? 'an empty or binary body' : `a ${typeof data} body`;
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(data)?.[1];
    const isHtml = /<(!doctype|html|head|body)\b/i.test(data);
    const text = (title ?? (isHtml ? data.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ') : data)).replace(/\s+/g, ' ').trim();
    if (text === '')
        return isHtml ? 'an HTML page' : 'an empty body';
    const short = text.length > 120 ? `${text.slice(0, 119)}…` : text;
    return isHtml ? `an HTML page: "${short}"` : `"${short}"`;
}
/**
 * One line for a failed GitHub call: a used-up rate limit with the time it resets, a secondary rate
 * limit, a fault on GitHub's side, or for 401/403/404 which permission is missing and how to grant it.
 */
function explainGitHubError(err, now = Date.now()) {
    const after = 'The job summary, the JSON report and the comment-body output still have the report.';
    if (err instanceof GitHubAnswerError)
        return `${err.message}. ${after}`;
    const e = err;
    const status = e?.status;
    const data = e?.response?.data;
    // Octokit appends the documentation link to the message; GitHub's own words are shorter.
    const apiMessage = data?.message;
    const detail = typeof apiMessage === 'string' && apiMessage ? apiMessage : typeof data === 'string' ? summariseBody(data) : (0,errors/* describeError */.Uc)(err);
    const twice = typeof err === 'object' && err !== null && failedTwice.has(err) ? ', also on the one retry' : '';
    if ((status === 403 || status === 429) && headerOf(err, 'x-ratelimit-remaining') === '0') {
        const reset = Number(headerOf(err, 'x-ratelimit-reset'));
        const when = Number.isFinite(reset) && reset > 0 ? resetText(reset * 1000, now) : 'within the hour';
        return (`Could not post the PR comment: GitHub's API rate limit for this token is used up (${status}: ${detail}); it resets ${when}. ` +
            `This is not a missing permission: the next run after the reset posts the comment. ${after}`);
    }
    if ((status === 403 || status === 429) && (headerOf(err, 'retry-after') !== undefined || /secondary rate limit/i.test(detail))) {
        const wait = headerOf(err, 'retry-after');
        return (`Could not post the PR comment: GitHub's secondary rate limit refused it (${status}${wait !== undefined ? `, retry after ${wait} s` : ''}: ${detail})${twice}. ` +
            `Too many requests in a short time, e.g. many matrix legs at once. ${after}`);
    }
    if (typeof status === 'number' && status >= 500 && status <= 599) {
        return `Could not post the PR comment: GitHub answered ${status}, a fault on GitHub's side (${detail})${twice}. ${after}`;
    }
    if (status === 403 || status === 404) {
        return (`Could not post the PR comment: GitHub answered ${status} (${detail}). The token lacks the pull-requests: write permission. ` +
            'Add "permissions: pull-requests: write" to the job (or the workflow). Pull requests from forks always get a read-only token: ' +
            `post their comment from a workflow_run workflow (see the README, "Comments on pull requests from forks"). ${after}`);
    }
    if (status === 401) {
        return `Could not post the PR comment: GitHub answered 401 (${detail}). The github-token input is not a valid token; leave it unset to use the job's token. ${after}`;
    }
    return `Could not post the PR comment: ${detail}. ${after}`;
}
/** `at 14:05:00 UTC (in 12 min)` for a reset time in ms since the epoch. */
function resetText(resetMs, now) {
    const at = new Date(resetMs).toISOString().slice(11, 19);
    const minutes = Math.max(0, Math.ceil((resetMs - now) / 60_000));
    return `at ${at} UTC (in ${minutes} min)`;
}
/** Reads the event payload the runner wrote (GITHUB_EVENT_PATH); {} when there is none. */
async function comment_readEventPayload(env = process.env) {
    if (!env.GITHUB_EVENT_PATH)
        return {};
    try {
        return JSON.parse(await (0,promises_.readFile)(env.GITHUB_EVENT_PATH, 'utf8'));
    }
    catch {
        return {};
    }
}

// EXTERNAL MODULE: ./.tmp/bundle-src/commandstats.js
var commandstats = __webpack_require__(467);
// EXTERNAL MODULE: ./.tmp/bundle-src/size.js
var size = __webpack_require__(22);
;// CONCATENATED MODULE: ./.tmp/bundle-src/render/escape.js
/**
 * Escaping of untrusted text (key names, server strings, user input) for GitHub markdown and HTML.
 *
 * GitHub renders markdown to HTML first and then links mentions (`@user`, `@org/team`), issue
 * references (`#12`) and URLs in the resulting text nodes. So HTML entities alone do not stop a
 * ping: `&#64;everyone` decodes back to `@everyone` before the mention filter runs. A zero-width
 * space after `@` and `#` (and inside `://` and `www.`) breaks those patterns while the text still
 * reads the same. The JSON report keeps every name exactly.
 */
const ZWSP = '\u200b';
/** Characters that are markdown syntax somewhere; a backslash makes each one literal. */
const MARKDOWN_PUNCTUATION = new Set('\\`*_{}[]()#+-.!~:$=^'.split(''));
/** Invisible or direction-changing characters: shown as `\u{…}` so nothing is hidden or reordered. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
/** Punctuation that is markdown syntax only at the start of a line (lists, headings) or next to other syntax. */
const LINE_START_ONLY = new Set('.-()!:+={}^'.split(''));
/** Escapes untrusted text so it renders as the literal text, pings nobody, links nothing and cannot break a table. */
function escapeMarkdown(text, opts = {}) {
    const chars = [...cut(text, opts.maxLength)];
    // `1.` or `2)` at the start of a line makes a list: escape the punctuation right after leading digits.
    const leadingDigits = /^\d*/.exec(chars.join(''))?.[0].length ?? 0;
    let out = '';
    for (let i = 0; i < chars.length; i++) {
        const ch = chars[i];
        const code = ch.codePointAt(0) ?? 0;
        if (ch === '&')
            out += '&amp;';
        else if (ch === '<')
            out += '&lt;';
        else if (ch === '>')
            out += '&gt;';
        else if (ch === '"')
            out += opts.prose ? ch : '&quot;';
        else if (ch === "'")
            out += opts.prose ? ch : '&#39;';
        else if (ch === '|')
            out += '&#124;';
        else if (ch === '@')
            out += `&#64;${ZWSP}`;
        else if (ch === '#')
            out += `\\#${ZWSP}`;
        else if (ch === '\n')
            out += '\\n';
        else if (ch === '\r')
            out += '\\r';
        else if (ch === '\t')
            out += '\\t';
        else if (code < 0x20 || code === 0x7f)
            out += `\\x${code.toString(16).padStart(2, '0')}`;
        else if (INVISIBLE.test(ch))
            out += `\\u{${code.toString(16)}}`;
        else if (ch === ':' && chars[i + 1] === '/' && chars[i + 2] === '/')
            out += `\\:${ZWSP}`;
        else if (ch === '.' && i >= 3 && chars.slice(i - 3, i).join('').toLowerCase() === 'www')
            out += `${ZWSP}\\.`;
        else if (opts.prose && LINE_START_ONLY.has(ch) && i > leadingDigits)
            out += ch;
        else if (MARKDOWN_PUNCTUATION.has(ch))
            out += `\\${ch}`;
        else
            out += ch;
    }
    return out;
}
/** Untrusted text in monospace: `<code>` with escaped content works inside tables, where a code span cannot hold `|`. */
function codeText(text, opts = {}) {
    return `<code>${escapeMarkdown(text, opts)}</code>`;
}
/**
 * Untrusted multi-line text as a fenced code block that the text cannot close: the fence is longer
 * than any run of backticks inside it (CommonMark closes a fence only with one at least as long).
 * Inside a code block nothing is linked or mentioned, so the text is kept as it is, apart from
 * invisible characters.
 */
function fencedBlock(text, opts = {}) {
    const body = [...cut(text, opts.maxLength)]
        .map((ch) => (ch !== '\n' && ch !== '\t' && INVISIBLE.test(ch) ? `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}` : ch))
        .join('');
    const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
    const fence = '`'.repeat(Math.max(3, longest + 1));
    return `${fence}text\n${body}\n${fence}`;
}
/** @deprecated Use fencedBlock, which picks a fence the text cannot close. Kept for callers of the first version. */
function escapeCodeBlock(text) {
    return text.replace(/`{3,}/g, (run) => run.split('').join(ZWSP));
}
function cut(text, maxLength) {
    if (maxLength === undefined)
        return text;
    const chars = [...text];
    return chars.length <= maxLength ? text : `${chars.slice(0, Math.max(0, maxLength - 1)).join('')}…`;
}

// EXTERNAL MODULE: ./.tmp/bundle-src/checks.js
var bundle_src_checks = __webpack_require__(982);
;// CONCATENATED MODULE: ./.tmp/bundle-src/keys/render.js
/**
 * The key analysis in the job summary and the PR comment, as a ReportExtension: sections for the
 * keys left behind, keys in the wrong DB and memory by prefix, and lines under the breaches.
 * Pure: report in, text out. Key names are untrusted: they go through codeText.
 */



const n = (x) => (0,size/* formatCount */.B4)(x);
/** Longer names are cut: a 1 MB key name must not fill the summary. */
const NAME_LIMIT = 120;
/** A key or prefix name for a table cell: monospace, escaped, and marked when its bytes are not UTF-8. */
function nameCell(name) {
    const text = name.key ?? name.prefix ?? '';
    const binary = name.keyBase64 ?? name.prefixBase64;
    return `${codeText(text, { maxLength: NAME_LIMIT })}${binary ? ' _(binary)_' : ''}`;
}
function ttlText(k) {
    if (k.ttl === 'unknown')
        return 'TTL not checked';
    return k.ttl === 'none' ? 'no TTL' : `TTL ${(0,size/* formatDuration */.a3)((k.ttlSeconds ?? 0) * 1000)}`;
}
function samplesCell(g, max) {
    const shown = g.samples.slice(0, max).map((s) => `${nameCell(s)} (${ttlText(s)})`);
    const more = g.keys - shown.length;
    return shown.join('<br>') + (more > 0 ? `<br>… and ${n(more)} more` : '');
}
function leakTable(groups, memory, samples) {
    const lines = [`| DB | Prefix | Keys | Without TTL |${memory ? ' Memory |' : ''} Examples |`, `|---:|---|---:|---:|${memory ? '---:|' : ''}---|`];
    for (const g of groups) {
        lines.push(`| ${g.db} | ${nameCell(g)} | ${n(g.keys)} | ${n(g.withoutTtl)} |${memory ? ` ${prefixBytesText(g)} |` : ''} ${samplesCell(g, samples)} |`);
    }
    return lines;
}
function perDb(byDb) {
    return Object.entries(byDb)
        .map(([db, c]) => `DB ${db}: ${n(c)}`)
        .join(', ');
}
/** One sentence about the keys left behind. */
function leakedSentence(k) {
    const l = k.leaked;
    if (!l)
        return k.leakedUnavailable ?? 'Not measured.';
    if (l.count === 0)
        return k.complete ? 'No key was left behind: every key after the step was there before it.' : 'No new key in the part of the keyspace scanned.';
    return (`**${l.exact ? '' : 'at least '}${(0,bundle_src_checks/* plural */.LS)(l.count, 'key')}** present after the step and not before (${perDb(l.byDb)}); ` +
        `**${n(l.withoutTtl)} without a TTL** (these stay until deleted), ${n(l.withTtl)} with a TTL` +
        (k.memoryUsage ? `; ${leakedBytesText(l)}.` : '.'));
}
/** The leaked keys' bytes, and how they were measured when key-memory sampled measured only part of them. */
function leakedBytesText(l) {
    if (l.bytesMargin === undefined)
        return `${(0,size/* formatBytes */.z3)(l.bytes)} by MEMORY USAGE`;
    return (`${prefixBytesText(l)} by MEMORY USAGE of ${n(l.measuredKeys ?? 0)} of them, ` +
        'the bytes of the others extrapolated per prefix from its measured ones (95% interval; key-memory sampled measures up to 100,000 keys left behind exactly)');
}
/** Leaked keys: exact names by prefix, with their TTL status. */
function leakedKeysSection(k, rows = 20, samples = 5) {
    const out = ['### Keys left behind', '', leakedSentence(k), ''];
    const l = k.leaked;
    if (!l || l.count === 0)
        return out;
    if (!l.exact)
        out.push('The scan after the step stopped at key-scan-budget: these are the new keys in the part it reached.', '');
    out.push(...leakTable(l.groups.slice(0, rows), k.memoryUsage, samples), '');
    if (l.groups.length > rows)
        out.push(`${n(l.groups.length - rows)} more prefixes are in the JSON report.`, '');
    if (l.namesCapped)
        out.push('Only the first names of each prefix are listed; the counts are complete.', '');
    return out;
}
/** Keys that appeared outside expected-db. */
function wrongDbSection(k, rows = 20, samples = 5) {
    const w = k.wrongDb;
    if (!w || w.keys === 0)
        return [];
    const out = ['### Keys in the wrong database', '', `The tests should use DB ${w.expectedDb}, but ${(0,bundle_src_checks/* plural */.LS)(w.keys, 'new key')} appeared elsewhere (${perDb(w.byDb)}).`, ''];
    if (w.groups.length > 0)
        out.push(...leakTable(w.groups.slice(0, rows), k.memoryUsage, samples), '');
    return out;
}
/** A prefix's bytes: exact, or from a sample with its 95% interval ("≈ 48.2 MB ± 1.1 MB"). */
function prefixBytesText(p) {
    if (p.bytesMargin === undefined || p.bytesMargin === 0)
        return (0,size/* formatBytes */.z3)(p.bytes);
    return `≈ ${(0,size/* formatBytes */.z3)(p.bytes)} ± ${p.bytesMargin === null ? '?' : (0,size/* formatBytes */.z3)(p.bytesMargin)}`;
}
function prefixRows(rows, memory) {
    const lines = [`| DB | Prefix | Keys |${memory ? ' Memory | Share |' : ''}`, `|---:|---|---:|${memory ? '---:|---:|' : ''}`];
    for (const p of rows) {
        const est = p.estimated ? ' ≈' : '';
        const mem = memory ? ` ${prefixBytesText(p)}${est} | ${p.share === null ? '' : `${(p.share * 100).toFixed(1)}%`} |` : '';
        lines.push(`| ${p.db} | ${nameCell(p)} | ${n(p.keys)}${est} |${mem}`);
    }
    return lines;
}
/** Largest prefixes by memory and by count, and the largest keys, after the step. */
function keySpaceSection(k, rows = 10) {
    const out = [];
    if (k.totalKeys === 0) {
        out.push(k.before === null ? 'No keys.' : 'No keys after the step.', '');
        return [...out, ...scanFacts(k)];
    }
    if (k.memoryUsage) {
        const total = k.keyMemory?.mode === 'sampled' ? prefixBytesText({ bytes: k.totalBytes, bytesMargin: k.keyMemory.totalBytesMargin }) : (0,size/* formatBytes */.z3)(k.totalBytes);
        out.push(`${n(k.totalKeys)} keys, ${total} by MEMORY USAGE. Largest prefixes by memory:`, '', ...prefixRows(k.topPrefixesByMemory.slice(0, rows), true), '');
        out.push('Most keys:', '', ...prefixRows(k.topPrefixesByCount.slice(0, rows), true), '');
        if (k.largestKeys && k.largestKeys.length > 0) {
            // Like redis-cli --bigkeys: the type and the element count, with the encoding beside them.
            out.push('Largest keys:', '', '| DB | Key | Type | Encoding | Elements | Memory | TTL |', '|---:|---|---|---|---:|---:|---|');
            for (const key of k.largestKeys.slice(0, rows)) {
                const ttl = key.ttl === 'set' ? `${key.ttlSeconds ?? '?'} s` : key.ttl === 'none' ? 'none' : 'gone';
                out.push(`| ${key.db} | ${nameCell(key)} | ${escapeMarkdown(key.type, { maxLength: 40 })} | ${key.encoding === null ? '' : escapeMarkdown(key.encoding, { maxLength: 40 })} | ${key.elements === null ? '' : n(key.elements)} | ${key.bytes === null ? '' : (0,size/* formatBytes */.z3)(key.bytes)} | ${ttl} |`);
            }
        }
        else {
            out.push('Largest keys:', '', '| DB | Key | Memory | TTL |', '|---:|---|---:|---|');
            for (const key of k.topKeys.slice(0, rows))
                out.push(`| ${key.db} | ${nameCell(key)} | ${(0,size/* formatBytes */.z3)(key.bytes)} | ${ttlText(key)} |`);
        }
        const mixed = (k.encodingMix ?? []).filter((m) => m.mixed);
        if (mixed.length > 0) {
            out.push('', 'Prefixes whose keys of one type have different encodings (a sample of each):', '');
            for (const m of mixed.slice(0, rows)) {
                const encs = Object.entries(m.encodings).map(([e, c]) => `${escapeMarkdown(e, { maxLength: 40 })} ${n(c)}`).join(', ');
                out.push(`- ${codeText(m.prefix, { maxLength: 200 })} (DB ${m.db}): ${encs}`);
            }
        }
        out.push('');
    }
    else {
        out.push(`${n(k.totalKeys)} keys. Prefixes with the most keys:`, '', ...prefixRows(k.topPrefixesByCount.slice(0, rows), false), '');
    }
    return [...out, ...scanFacts(k)];
}
function scanFacts(k) {
    const lines = [`- ${k.memoryUsageNote}`];
    const scans = k.before ? [['before', k.before], ['after', k.after]] : [['after', k.after]];
    for (const [when, s] of scans) {
        const partial = s.dbs.filter((d) => !d.complete);
        const how = s.method === 'lua' ? 'SCAN with one Lua call per batch' : 'SCAN with one pipeline per batch';
        const failed = s.method === 'lua' ? 'the raw pipelined scan' : 'the Lua fast path';
        const fallback = s.fallbackReason ? ` (${failed} failed: ${escapeMarkdown(s.fallbackReason, { prose: true, maxLength: 300 })})` : '';
        const stop = partial.length === 0
            ? 'every key seen'
            : `stopped at key-scan-budget; ${partial.map((d) => `DB ${d.db}: ${n(d.scanned)} of ${n(d.dbsize)} keys seen`).join(', ')}; figures marked ≈ are extrapolated by DBSIZE`;
        lines.push(`- Key scan${k.before ? ` ${when} the step` : ''}: ${(0,size/* formatDuration */.a3)(s.durationMs)}, ${how}${fallback}, ${stop}.`);
    }
    if (k.keyMemory?.mode === 'sampled') {
        lines.push(`- Memory sampled (key-memory): MEMORY USAGE of ${n(k.keyMemory.measuredKeys)} of ${n(k.totalKeys)} keys, every key of small prefixes and of the keys left behind (up to 100,000); ` +
            'figures with ± are extrapolated from the sample, with their 95% interval. Key names and counts are exact; the largest keys are the largest measured.');
    }
    if (k.settings.ignoreKeys.length > 0) {
        const ignored = k.after.dbs.reduce((s, d) => s + d.ignored, 0);
        lines.push(`- Left out by ignore-keys (${k.settings.ignoreKeys.map((p) => codeText(p, { maxLength: 100 })).join(', ')}): ${n(ignored)} keys.`);
    }
    if (k.scope) {
        const outside = k.scope.outsideNewKeys === null ? 'not counted (no key list from before the step)' : `${n(k.scope.outsideNewKeys)} new keys, not counted as this job's leaks`;
        lines.push(`- Outside the scope (key-scope ${k.scope.patterns.map((p) => codeText(p, { maxLength: 100 })).join(', ')}): ${outside}.`);
    }
    lines.push(`- Prefixes: key names split on ${codeText(k.settings.keyDelimiter)}, first ${k.settings.prefixDepth} parts, ids (numbers, UUIDs, hex, ULIDs) as \\*.`);
    return lines;
}
function details(summary, body) {
    return `<details><summary>${summary}</summary>\n\n${body.join('\n').trim()}\n\n</details>`;
}
const join = (lines) => lines.join('\n').trim();
/** The key sections for one variant; none when the report has no key analysis. */
function keySections(report, variant) {
    const k = report.keys;
    if (!k)
        return [];
    const comment = variant === 'comment';
    const sections = [];
    const leakedAny = (k.leaked?.count ?? 0) > 0 || k.leaked === null;
    // One snapshot (the keys command) has no step that could have left keys behind.
    if (report.before !== null && (leakedAny || !comment)) {
        sections.push({
            id: 'keys-leaked',
            label: 'keys left behind',
            importance: 70,
            placement: 'main',
            text: join(leakedKeysSection(k, comment ? 8 : 20, comment ? 3 : 5)),
            short: join(leakedKeysSection(k, 3, 1))
        });
    }
    const wrong = wrongDbSection(k, comment ? 5 : 20, comment ? 2 : 5);
    if (wrong.length > 0) {
        sections.push({ id: 'keys-wrong-db', label: 'keys in the wrong database', importance: 72, placement: 'main', text: join(wrong), short: join(wrongDbSection(k, 2, 1)) });
    }
    sections.push({
        id: 'keys-prefixes',
        label: 'memory by key prefix',
        importance: 30,
        placement: 'details',
        text: details('Memory by key prefix and the largest keys', keySpaceSection(k, comment ? 5 : 10)),
        short: details('Memory by key prefix and the largest keys', keySpaceSection(k, 3))
    });
    return sections;
}
/** Lines under the leaked-keys and wrong-db breaches: where the keys are. */
function keyBreachHints(report, check) {
    const k = report.keys;
    if (!k)
        return [];
    const top = (groups) => groups
        .slice(0, 3)
        .map((g) => `${nameCell(g)} in DB ${g.db}: ${n(g.keys)} (${n(g.withoutTtl)} without a TTL)`)
        .join('; ');
    if (check === 'leaked-keys' && k.leaked && k.leaked.groups.length > 0)
        return [`Mostly ${top(k.leaked.groups)}.`];
    if (check === 'wrong-db' && k.wrongDb && k.wrongDb.groups.length > 0)
        return [`In the wrong DB: ${top(k.wrongDb.groups)}.`];
    return [];
}
const keyAnalysisExtension = {
    sections: keySections,
    breachHints: (report, check) => keyBreachHints(report, check)
};

// EXTERNAL MODULE: ./.tmp/bundle-src/info.js
var info = __webpack_require__(9135);
// EXTERNAL MODULE: ./.tmp/bundle-src/report.js + 3 modules
var bundle_src_report = __webpack_require__(1041);
// EXTERNAL MODULE: ./.tmp/bundle-src/run/output.js
var output = __webpack_require__(7296);
// EXTERNAL MODULE: ./.tmp/bundle-src/baseline/history.js
var baseline_history = __webpack_require__(8299);
;// CONCATENATED MODULE: ./.tmp/bundle-src/baseline/compare.js
/**
 * This run against its baseline: which entry is the baseline, base → this run → change for each
 * figure, whether the change is within the usual range, which prefixes moved most, and the increase
 * checks. Pure: entries in, data out; the renderers turn it into words and tables.
 */



/** Changes below this many bytes are allocator and bookkeeping noise, however steady the history. */
const NOISE_FLOOR_BYTES = 64 * 1024;
/** How many base-branch entries the usual range is taken from. */
const NOISE_RUNS = 10;
/** How many prefix changes are shown. */
const TOP_PREFIX_CHANGES = 3;
/** Points in the trend; fewer than MIN_TREND_POINTS are not drawn as a line. */
const TREND_POINTS = 30;
const MIN_TREND_POINTS = 5;
const shortSha = (sha) => (sha ? sha.slice(0, 7) : 'unknown commit');
const day = (iso) => iso.slice(0, 10);
/** The entry to compare with: the merge base's, else the newest of the base branch (or of the file). */
function pickBaseline(series, mergeBase, baseBranch) {
    const entries = series?.entries ?? [];
    if (mergeBase) {
        const found = [...entries].reverse().find((e) => e.commit !== null && e.commit === mergeBase);
        if (found) {
            return {
                pick: { entry: found, source: 'merge-base', description: `the merge base ${shortSha(found.commit)} (${found.branch ?? 'unknown branch'}, ${day(found.date)})` },
                reason: ''
            };
        }
    }
    const onBase = baseBranch === null ? entries : entries.filter((e) => e.branch === baseBranch);
    const newest = onBase[onBase.length - 1];
    if (!newest) {
        const where = baseBranch ? `of ${baseBranch}` : 'in the file';
        return { pick: null, reason: `No baseline yet: there is no recorded run ${where} for this job.` };
    }
    const missing = mergeBase ? `; the merge base ${shortSha(mergeBase)} has no recorded run` : '';
    return {
        pick: {
            entry: newest,
            source: baseBranch === null ? 'file' : 'base-branch',
            description: `the newest run ${baseBranch ? `of ${baseBranch}` : 'in the file'}, ${shortSha(newest.commit)} (${day(newest.date)})${missing}`
        },
        reason: ''
    };
}
/** The spread (max − min) of a figure over the last NOISE_RUNS base-branch entries. */
function usualSpread(entries, read) {
    const values = entries
        .map(read)
        .filter((v) => v !== null)
        .slice(-NOISE_RUNS);
    if (values.length === 0)
        return { spread: 0, runs: 0 };
    return { spread: Math.max(...values) - Math.min(...values), runs: values.length };
}
const FIGURES = [
    { figure: 'peak', label: 'Peak', unit: 'bytes', read: (e) => e.peak?.bytes ?? null },
    { figure: 'used-after', label: 'Used after', unit: 'bytes', read: (e) => e.usedAfter },
    { figure: 'leaked-keys', label: 'Keys left behind', unit: 'count', read: (e) => e.leakedKeys },
    { figure: 'oom-errors', label: 'OOM errors', unit: 'count', read: (e) => e.oomErrors },
    { figure: 'evictions', label: 'Evictions', unit: 'count', read: (e) => e.evictedKeys }
];
function figureChange(spec, base, current, history) {
    const b = spec.read(base);
    const c = spec.read(current);
    const change = b !== null && c !== null ? c - b : null;
    const { spread, runs } = usualSpread(history, spec.read);
    const band = spec.unit === 'bytes' ? Math.max(spread, NOISE_FLOOR_BYTES) : spread;
    const within = change !== null && change !== 0 && Math.abs(change) < band;
    return {
        figure: spec.figure,
        label: spec.label,
        unit: spec.unit,
        base: b,
        current: c,
        change,
        percent: change !== null && b !== null && b !== 0 ? (change / b) * 100 : null,
        usual: { spread, runs, band },
        withinUsualRange: within,
        changed: change !== null && change !== 0 && !within
    };
}
/** Differences that make the figures not like for like. */
function mismatches(base, current) {
    const out = [];
    const be = (0,baseline_history/* engineLabel */.nY)(base.engine);
    const ce = (0,baseline_history/* engineLabel */.nY)(current.engine);
    if (be !== null && ce !== null && be !== ce)
        out.push({ what: 'engine', base: be, current: ce });
    if (base.maxmemory !== null && current.maxmemory !== null && base.maxmemory !== current.maxmemory) {
        const mm = (n) => (n === 0 ? 'none' : (0,size/* formatBytes */.z3)(n));
        out.push({ what: 'maxmemory', base: mm(base.maxmemory), current: mm(current.maxmemory) });
    }
    if (base.maxmemoryPolicy !== null && current.maxmemoryPolicy !== null && base.maxmemoryPolicy !== current.maxmemoryPolicy) {
        out.push({ what: 'maxmemory-policy', base: base.maxmemoryPolicy, current: current.maxmemoryPolicy });
    }
    return out;
}
/** Engine, version or maxmemory differ: the increase checks do not fail on such a comparison unless strict. */
const suspends = (m) => m.what === 'engine' || m.what === 'maxmemory';
const identity = (p) => `${p.db}\u0000${p.prefixBase64 ?? p.prefix}`;
/** The prefixes whose bytes (or, without MEMORY USAGE, key counts) changed most. */
function prefixChanges(base, current, top = TOP_PREFIX_CHANGES) {
    if (!base || !current)
        return [];
    const byBytes = base.memoryUsage && current.memoryUsage;
    // The figure prefixes are ranked and compared by: bytes, or key counts on servers without MEMORY USAGE.
    const size = (p) => (byBytes ? (p.bytes ?? 0) : p.keys);
    const smallest = (list) => (list.length ? Math.min(...list.map(size)) : 0);
    const baseFloor = smallest(base.list);
    const currentFloor = smallest(current.list);
    const baseMap = new Map(base.list.map((p) => [identity(p), p]));
    const curMap = new Map(current.list.map((p) => [identity(p), p]));
    const out = [];
    for (const id of new Set([...baseMap.keys(), ...curMap.keys()])) {
        const b = baseMap.get(id);
        const c = curMap.get(id);
        const ref = (c ?? b);
        // Missing from a list that was cut off: the prefix may only have ranked lower there.
        const outsideBase = !b && !base.complete;
        const outsideCurrent = !c && !current.complete;
        let change;
        if (outsideBase)
            change = size(c) - baseFloor;
        else if (outsideCurrent)
            change = currentFloor - size(b);
        else
            change = (c ? size(c) : 0) - (b ? size(b) : 0);
        // A bound that does not even tell the direction says nothing.
        if ((outsideBase && change <= 0) || (outsideCurrent && change >= 0) || change === 0)
            continue;
        const bytes = (p, outside) => (!byBytes || outside ? null : (p?.bytes ?? 0));
        const keys = (p, outside) => (outside ? null : (p?.keys ?? 0));
        const baseKeys = keys(b, outsideBase);
        const currentKeys = keys(c, outsideCurrent);
        out.push({
            db: ref.db,
            prefix: ref.prefix,
            ...(ref.prefixBase64 ? { prefixBase64: ref.prefixBase64 } : {}),
            baseBytes: bytes(b, outsideBase),
            currentBytes: bytes(c, outsideCurrent),
            bytesChange: byBytes ? change : null,
            baseKeys,
            currentKeys,
            keysChange: byBytes ? (baseKeys !== null && currentKeys !== null ? currentKeys - baseKeys : null) : change,
            isNew: !b && base.complete,
            isGone: !c && current.complete,
            changeIsBound: outsideBase || outsideCurrent
        });
    }
    const weight = (p) => Math.abs(p.bytesChange ?? p.keysChange ?? 0);
    return out
        .sort((x, y) => weight(y) - weight(x) || Math.abs(y.keysChange ?? 0) - Math.abs(x.keysChange ?? 0) || x.prefix.localeCompare(y.prefix))
        .slice(0, top);
}
/** The effective byte limit of `10%`, `5mb` or `10%,2mb` (both: the larger, since both must be exceeded). */
function byteLimit(limit, base) {
    const fromPercent = limit.percent !== undefined ? Math.floor((base * limit.percent) / 100) : undefined;
    if (fromPercent !== undefined && limit.bytes !== undefined)
        return Math.max(fromPercent, limit.bytes);
    return (fromPercent ?? limit.bytes);
}
function describeLimit(limit, base) {
    const eff = (0,size/* formatBytes */.z3)(byteLimit(limit, base));
    if (limit.percent !== undefined && limit.bytes !== undefined)
        return `${limit.text} (both must be exceeded: ${eff} here)`;
    if (limit.percent !== undefined)
        return `${limit.text} (${eff} here)`;
    return eff;
}
const CHECKS = [
    {
        check: 'peak-increase',
        figure: 'peak',
        title: "The step's peak",
        what: "the step's peak",
        setting: 'max-peak-increase',
        advice: 'Compare the prefixes that grew with the base branch; find what the change loads at once, or raise max-peak-increase.'
    },
    {
        check: 'used-increase',
        figure: 'used-after',
        title: 'used_memory after the step',
        what: 'used_memory after the step',
        setting: 'max-used-increase',
        advice: 'The change leaves more data in Redis than the base branch does: look at the prefixes that grew and at keys left behind.'
    },
    {
        check: 'leaked-keys-increase',
        figure: 'leaked-keys',
        title: 'Keys left behind',
        what: 'keys left behind',
        setting: 'max-leaked-keys-increase',
        advice: 'The change leaves more keys behind than the base branch: delete what the new tests write, or give the keys a TTL.'
    }
];
function limitFor(spec, limits) {
    return spec.check === 'peak-increase' ? limits.peak : spec.check === 'used-increase' ? limits.used : limits.leakedKeys;
}
const fmt = (unit, n) => (unit === 'bytes' ? (0,size/* formatBytes */.z3)(n) : (0,size/* formatCount */.B4)(n));
const fmtDelta = (unit, n) => (unit === 'bytes' ? (0,size/* formatBytesDelta */.vx)(n) : n === 0 ? '±0' : `${n > 0 ? '+' : ''}${(0,size/* formatCount */.B4)(n)}`);
function increaseCheck(spec, fig, input, suspendedBy, baseName) {
    const limit = limitFor(spec, input.limits);
    const unit = fig.unit;
    const base = { check: spec.check, unit, measured: fig.change };
    if (fig.change === null || fig.base === null || fig.current === null) {
        const side = fig.base === null ? baseName : 'this run';
        return { ...base, status: 'unknown', limit: null, message: `Could not compare ${spec.what}: not known for ${side}.` };
    }
    const move = `${spec.title}: ${fmt(unit, fig.base)} on ${baseName} → ${fmt(unit, fig.current)} here (${fmtDelta(unit, fig.change)})`;
    const limitBytes = limit === undefined ? null : typeof limit === 'number' ? limit : byteLimit(limit, fig.base);
    if (fig.withinUsualRange) {
        const range = `within the usual range (${fmt(unit, fig.usual?.band ?? 0)}${unit === 'bytes' && (fig.usual?.spread ?? 0) < NOISE_FLOOR_BYTES ? ', the floor for noise' : `, the spread of the last ${fig.usual?.runs ?? 0} runs of the base branch`})`;
        return { ...base, status: limit === undefined ? 'reported' : 'pass', limit: limitBytes, message: `${move}, ${range}.` };
    }
    if (limit === undefined) {
        return { ...base, status: 'reported', limit: null, message: `${move}. Reported only: set ${spec.setting} to check it.` };
    }
    const limitText = typeof limit === 'number' ? (0,bundle_src_checks/* plural */.LS)(limit, 'key') : describeLimit(limit, fig.base);
    if (fig.change <= limitBytes) {
        return { ...base, status: 'pass', limit: limitBytes, message: `${move}, within the allowed increase of ${limitText}.` };
    }
    if (suspendedBy.length > 0 && !input.strict) {
        const what = suspendedBy.map((m) => m.what).join(' and ');
        return {
            ...base,
            status: 'warn',
            limit: limitBytes,
            message: `${move}, over the allowed increase of ${limitText}, but the ${what} differ${suspendedBy.length === 1 ? 's' : ''} from the baseline, so the figures are not like for like and the check does not fail (baseline-strict: true fails it anyway).`,
            advice: spec.advice
        };
    }
    return {
        ...base,
        status: input.failOn.has(spec.check) ? 'fail' : 'warn',
        limit: limitBytes,
        message: `${move}, over the allowed increase of ${limitText}.`,
        advice: spec.advice
    };
}
/** Compares this run with its baseline. Never throws: no baseline is a plain sentence, not an error. */
function compare_compareWithBaseline(input) {
    const { pick, reason } = pickBaseline(input.series, input.mergeBase, input.baseBranch);
    if (!pick) {
        const checks = CHECKS.filter((spec) => limitFor(spec, input.limits) !== undefined).map((spec) => ({
            check: spec.check,
            status: 'unknown',
            measured: null,
            limit: null,
            unit: spec.check === 'leaked-keys-increase' ? 'count' : 'bytes',
            message: `Could not compare ${spec.what}: ${lowerFirst(reason)}`
        }));
        return { baseline: null, summary: reason, figures: [], prefixes: [], prefixNote: null, mismatches: [], mismatchNote: null, notes: [], checks, changed: false };
    }
    const base = pick.entry;
    const cur = input.current;
    const baseName = input.baseBranch ?? base.branch ?? 'the baseline';
    const history = (input.series?.entries ?? []).filter((e) => (input.baseBranch === null ? true : e.branch === input.baseBranch));
    const figures = FIGURES.map((spec) => figureChange(spec, base, cur, history));
    const found = mismatches(base, cur);
    const suspendedBy = found.filter(suspends);
    const checks = CHECKS.map((spec) => increaseCheck(spec, figures.find((f) => f.figure === spec.figure), input, suspendedBy, baseName));
    const notes = [];
    if (base.peak && cur.peak && base.peak.source !== cur.peak.source) {
        notes.push(`The peaks come from different figures (${peakSourceWords(base.peak.source)} on ${baseName}, ${peakSourceWords(cur.peak.source)} here), so they are not exactly like for like.`);
    }
    const prefixes = prefixChanges(base.prefixes, cur.prefixes);
    let prefixNote = null;
    if (!base.prefixes || !cur.prefixes)
        prefixNote = `No prefix comparison: ${!base.prefixes ? baseName : 'this run'} has no key analysis.`;
    else if (prefixes.length === 0)
        prefixNote = 'No prefix changed in keys or bytes.';
    let mismatchNote = null;
    if (found.length > 0) {
        const list = found.map((m) => `${m.what} ${m.base} on ${baseName}, ${m.current} here`).join('; ');
        mismatchNote =
            suspendedBy.length === 0
                ? `Not like for like: ${list}.`
                : input.strict
                    ? `Not like for like: ${list}. baseline-strict is on, so the increase checks are judged anyway.`
                    : `Not like for like: ${list}. The increase checks do not fail on this comparison (set baseline-strict: true to fail them anyway).`;
    }
    const summary = `Compared with ${pick.description}.`;
    return { baseline: pick, summary, figures, prefixes, prefixNote, mismatches: found, mismatchNote, notes, checks, changed: figures.some((f) => f.changed) };
}
function peakSourceWords(source) {
    if (source === 'before' || source === 'after')
        return `used_memory ${source} the step`;
    return source === 'sampled' ? 'sampled' : source === 'info-peak' ? "INFO's used_memory_peak" : 'the larger of before and after';
}
/** The verdict once the increase checks are added: the worst of the report's verdict and theirs. */
function verdictWithIncreases(verdict, checks) {
    if (verdict === 'fail' || checks.some((c) => c.status === 'fail'))
        return 'fail';
    if (verdict === 'warn' || checks.some((c) => c.status === 'warn'))
        return 'warn';
    return 'pass';
}
/**
 * The last TREND_POINTS base-branch entries plus this run, for the summary's chart. `drawable` is
 * false with fewer than MIN_TREND_POINTS points: a line through 2 points suggests a climb nobody observed.
 */
function trendPoints(series, baseBranch, current) {
    const entries = (series?.entries ?? []).filter((e) => baseBranch === null || e.branch === baseBranch);
    const take = current ? TREND_POINTS - 1 : TREND_POINTS;
    const point = (e, isCurrent) => ({
        label: isCurrent ? 'this run' : e.commit ? e.commit.slice(0, 7) : day(e.date),
        peak: e.peak?.bytes ?? null,
        usedAfter: e.usedAfter,
        current: isCurrent
    });
    // On a push the current run is already the newest entry of its series: not twice.
    const past = entries.filter((e) => !current || !(e.runId !== null && e.runId === current.runId && e.commit === current.commit));
    const points = [...past.slice(-take).map((e) => point(e, false)), ...(current ? [point(current, true)] : [])];
    return { points, drawable: points.filter((p) => p.peak !== null).length >= MIN_TREND_POINTS };
}
function lowerFirst(s) {
    return s.charAt(0).toLowerCase() + s.slice(1);
}

;// CONCATENATED MODULE: ./.tmp/bundle-src/render/baseline-model.js


const ROW_CHECK = {
    peak: 'peak-increase',
    'used-after': 'used-increase',
    'leaked-keys': 'leaked-keys-increase'
};
const count = (n) => (0,size/* formatCount */.B4)(n);
const value = (unit, n) => (n === null ? 'unknown' : unit === 'bytes' ? (0,size/* formatBytes */.z3)(n) : count(n));
const delta = (unit, n) => (unit === 'bytes' ? (0,size/* formatBytesDelta */.vx)(n) : n === 0 ? '±0' : `${n > 0 ? '+' : ''}${count(n)}`);
function changeText(f) {
    if (f.change === null)
        return '';
    const pct = f.percent === null || f.change === 0 ? '' : ` (${f.percent > 0 ? '+' : ''}${Math.abs(f.percent) < 10 ? f.percent.toFixed(1) : Math.round(f.percent)}%)`;
    return `${delta(f.unit, f.change)}${pct}`;
}
/** The view of `report.baseline`; null when the run neither compared nor recorded. */
function baselineView(report) {
    const b = report.baseline;
    if (!b)
        return null;
    const cmp = b.comparison;
    const pick = cmp?.baseline ?? null;
    const baseName = b.branch ?? pick?.entry.branch ?? 'baseline';
    const engineDiffers = cmp?.mismatches.some((m) => m.what === 'engine') ?? false;
    const mmDiffers = cmp?.mismatches.find((m) => m.what === 'maxmemory');
    const sideNote = (side) => {
        const parts = [];
        const m = cmp?.mismatches.find((x) => x.what === 'engine');
        if (engineDiffers && m)
            parts.push(m[side]);
        if (mmDiffers)
            parts.push(`maxmemory ${mmDiffers[side]}`);
        return parts.length ? ` (${parts.join(', ')})` : '';
    };
    const statusOf = (check) => (check ? (report.checks.find((c) => c.check === check)?.status ?? null) : null);
    const rows = pick
        ? (cmp?.figures ?? []).map((f) => ({
            label: f.label,
            base: value(f.unit, f.base),
            current: value(f.unit, f.current),
            change: changeText(f),
            note: f.withinUsualRange ? `within the usual range (±${value(f.unit, f.usual?.band ?? 0)})` : '',
            status: statusOf(ROW_CHECK[f.figure]),
            changed: f.changed
        }))
        : [];
    const prefixes = (cmp?.prefixes ?? []).map((p) => {
        const byBytes = p.bytesChange !== null;
        const side = (bytes, keys) => (byBytes ? (bytes === null ? '?' : (0,size/* formatBytes */.z3)(bytes)) : keys === null ? '?' : `${count(keys)} keys`);
        return {
            db: p.db,
            prefix: p.prefix,
            base: p.isNew ? '—' : side(p.baseBytes, p.baseKeys),
            current: p.isGone ? '—' : side(p.currentBytes, p.currentKeys),
            change: byBytes ? (0,size/* formatBytesDelta */.vx)(p.bytesChange ?? 0) : `${delta('count', p.keysChange ?? 0)} keys`,
            tag: p.isNew ? 'new' : p.isGone ? 'gone' : p.changeIsBound ? 'at least' : ''
        };
    });
    const peak = cmp?.figures.find((f) => f.figure === 'peak');
    let headlineChange = null;
    if (pick && peak && peak.change !== null) {
        headlineChange = peak.withinUsualRange || peak.change === 0 ? `peak as usual against ${baseName}` : `peak ${changeText(peak)} against ${baseName}`;
    }
    const points = b.trend.points;
    const pastRuns = points.filter((p) => !p.current).length;
    return {
        title: b.action === 'write' ? `Baseline of ${baseName}` : b.action === 'file' && !b.branch ? 'Against the baseline file' : `Against ${baseName}`,
        baseHeading: `${b.action === 'file' && !b.branch ? 'Baseline' : baseName}${sideNote('base')}`,
        currentHeading: `${b.action === 'write' ? 'This run' : b.action === 'read' ? 'This PR' : 'This run'}${sideNote('current')}`,
        summary: b.summary,
        compared: rows.length > 0,
        rows,
        mismatchNote: cmp?.mismatchNote ?? null,
        notes: cmp?.notes ?? [],
        prefixes,
        prefixNote: pick ? (cmp?.prefixNote ?? null) : null,
        headlineChange,
        trend: {
            labels: points.map((p) => p.label),
            peak: points.map((p) => p.peak),
            usedAfter: points.map((p) => p.usedAfter),
            drawable: b.trend.drawable,
            tooShort: b.trend.drawable
                ? null
                : `Trend: too short to chart (${pastRuns} recorded run${pastRuns === 1 ? '' : 's'} of ${baseName}${points.some((p) => p.current) ? ' and this run' : ''}; a chart needs ${MIN_TREND_POINTS}).`
        },
        warnings: b.warnings
    };
}

// EXTERNAL MODULE: ./.tmp/bundle-src/explain/memory.js
var memory = __webpack_require__(956);
// EXTERNAL MODULE: ./.tmp/bundle-src/explain/moments.js
var moments = __webpack_require__(9154);
;// CONCATENATED MODULE: ./.tmp/bundle-src/render/cause.js



/** The test's name as people search for it: suites and name. */
function testName(t) {
    const path = t.suites.filter((s) => s !== '' && s !== t.name);
    return [...path, t.name].join(' › ') || t.classname || '(unnamed test)';
}
function momentView(m, stepStartedAt) {
    const start = stepStartedAt ? Date.parse(stepStartedAt) : NaN;
    return {
        label: m.reasons.map((r) => moments/* MOMENT_LABELS */.Bc[r]).join(' and '),
        into: Number.isFinite(start) ? `${(0,size/* formatDuration */.a3)(Math.max(0, Date.parse(m.at) - start))} into the step` : null,
        used: m.usedMemory === null ? 'used memory not reported' : `${(0,size/* formatBytes */.z3)(m.usedMemory)} used`,
        prefixes: m.topPrefixes.map((p) => ({ db: p.db, name: p.prefix, size: `${p.estimated ? '≈' : ''}${(0,size/* formatBytes */.z3)(p.bytes)}`, types: p.types })),
        largestKeys: m.largestKeys.map((k) => ({ db: k.db, key: k.key, what: [k.type, k.bytes === null ? null : (0,size/* formatBytes */.z3)(k.bytes)].filter(Boolean).join(', ') })),
        partial: m.scan.complete
            ? null
            : `from ${(0,size/* formatCount */.B4)(m.scan.scannedKeys)} of ${(0,size/* formatCount */.B4)(m.scan.totalKeys)} keys${m.scan.note ? `: ${m.scan.note}` : ''}`,
        error: m.error ?? null,
        notKeys: notKeysThen(m)
    };
}
/** At a moment, memory held by something other than keys (a subscriber that does not read) matters even if it is gone by the end. */
function notKeysThen(m) {
    const b = m.breakdown?.breakdown;
    if (!b?.biggest || b.biggest.part === 'dataset')
        return null;
    const dataset = b.parts.find((p) => p.part === 'dataset')?.bytes ?? null;
    if (dataset !== null && dataset >= b.biggest.bytes)
        return null;
    return `${memory/* PART_LABELS */.Ye[b.biggest.part]}, ${(0,size/* formatBytes */.z3)(b.biggest.bytes)}`;
}
const TELLING = ['not-keys', 'maxmemory-near-empty-server', 'volatile-policy-without-ttl', 'non-evictable-memory'];
/** The cause as the formats show it; null when the report has no `cause` section. */
function causeView(report) {
    const c = report.cause;
    if (!c)
        return null;
    // The zero the sampling section counts from, so "1.7 s into the step" means the same everywhere.
    const started = report.sampling?.startedAt ?? report.command?.startedAt ?? report.before?.takenAt ?? null;
    const b = c.memory.breakdown;
    const times = c.leakedKeyTimes;
    const recorded = times.keys.filter((k) => k.firstSeenAt !== null).length;
    let timesNote = null;
    if (times.keys.length > 0 && !times.recorded)
        timesNote = `When the leaked keys appeared is not known: ${times.unavailable ?? 'not recorded'}.`;
    else if (times.keys.length > recorded) {
        timesNote = `${times.keys.length - recorded} of ${times.keys.length} leaked keys have no recorded time${times.dropped > 0 ? ` (${(0,size/* formatCount */.B4)(times.dropped)} new keys were past the recorder's cap)` : ''}.`;
    }
    const tests = c.testsThatLeftKeys;
    return {
        moments: c.moments.map((m) => momentView(m, started)),
        explanations: c.memory.explanations.map((e) => e.text),
        telling: c.memory.explanations.find((e) => TELLING.includes(e.kind))?.text ?? null,
        parts: (b?.parts ?? []).filter((p) => p.bytes > 0).map((p) => ({ label: memory/* PART_LABELS */.Ye[p.part], size: (0,size/* formatBytes */.z3)(p.bytes), share: `${Math.round(p.share * 100)}%` })),
        partsUnavailable: b ? null : (c.memory.unavailable ?? 'MEMORY STATS gave no answer'),
        leakedKeys: times.keys.map((k) => ({
            db: k.db,
            key: k.key,
            when: k.secondsIntoStep === null ? null : `${(0,size/* formatDuration */.a3)(k.secondsIntoStep * 1000)} into the step`,
            lineBefore: k.lineBefore,
            test: k.test ? testName(k.test) : null
        })),
        timesNote,
        tests: tests ? tests.tests.map((t) => ({ name: testName(t), file: t.file, keys: t.keys.map((k) => ({ db: k.db, key: k.key })) })) : null,
        unattributed: tests ? tests.unattributed.map((k) => ({ db: k.db, key: k.key })) : [],
        testNotes: tests ? [tests.exactness, ...tests.notes].filter((n) => n !== '') : []
    };
}

;// CONCATENATED MODULE: ./.tmp/bundle-src/render/model.js
/**
 * The report model: everything a reader sees, decided once from a report. Limit texts, statuses,
 * signs, the headline's figures and the wording for a step or a single snapshot are derived here;
 * the markdown (job summary, PR comment) and the terminal only format this model. Pure: report in,
 * plain data out. Text here is plain: anything that came from Redis is left for each format to
 * escape (markdown) or make visible (terminal).
 */








const ABSENT = 'absent';
const VERDICT_WORD = { pass: 'pass', warn: 'warning', fail: 'fail' };
/** Schema 1's `skipped` meant either "no limit" or "could not run"; the message tells which. */
function statusOf(c) {
    if (bundle_src_checks/* CHECK_STATUSES */.Qw.includes(c.status))
        return c.status;
    return /^Could not|not reported/.test(c.message) ? 'unknown' : 'reported';
}
const model_count = (n) => (0,size/* formatCount */.B4)(n);
function signed(n) {
    return n > 0 ? `+${model_count(n)}` : n === 0 ? '±0' : model_count(n);
}
/** Worst first: a row shows the status a reader must see. */
const STATUS_ORDER = ['fail', 'warn', 'unknown', 'pass', 'reported'];
function worst(statuses) {
    for (const s of STATUS_ORDER)
        if (statuses.includes(s))
            return s;
    return null;
}
/**
 * The OOM advice names the cause when the cause section found one that is not keys (client
 * buffers, a maxmemory barely above the empty server, a policy with nothing to evict): then
 * "look for keys left behind" would send the reader the wrong way.
 */
function oomAdvice(check, advice, cause) {
    if (check !== 'oom' || !cause?.telling)
        return advice;
    return `${cause.telling} Fix that first; keys left behind and large values are not what filled memory here.`;
}
function oomCount(s) {
    if (!s)
        return undefined;
    return s.errorstats === null ? null : (s.errorstats.OOM ?? 0);
}
/** Builds the model; formats read it and decide nothing. */
function model_reportModel(report) {
    const cause = causeView(report);
    const checks = report.checks.map((c) => ({
        check: c.check,
        status: statusOf(c),
        message: c.message,
        ...(c.advice ? { advice: oomAdvice(c.check, c.advice, cause) } : {}),
        ...(c.reason ? { reason: c.reason } : {}),
        hints: []
    }));
    const kind = report.before === null ? 'snapshot' : 'step';
    const breaches = checks.filter((c) => c.status === 'fail' || c.status === 'warn');
    const shown = new Set();
    for (const b of breaches) {
        // Two breaches often share a cause (OOM and memory-percent): say it once, under the first.
        for (const h of causeHints(report, b)) {
            const key = JSON.stringify(h);
            if (shown.has(key))
                continue;
            shown.add(key);
            b.hints.push(h);
        }
    }
    const leaks = Object.entries(report.leakedKeysByDb);
    return {
        kind,
        headline: headline(report, checks),
        errors: [...report.errors],
        restart: restartLine(report),
        figures: figureRows(report, checks),
        checks,
        breaches,
        unknown: checks.filter((c) => c.status === 'unknown'),
        // The restart has its own visible line; its note stays in the JSON.
        notes: report.restart ? report.notes.filter((n) => !n.startsWith('Redis restarted during the step')) : [...report.notes],
        warnings: [...(report.warnings ?? [])],
        leakedByDb: leaks.length > 0 ? leaks.map(([db, n]) => `DB ${db}: ${model_count(n)}`).join(', ') : null,
        oomMessages: oomMessagesOf(report),
        peakExplanation: report.peak ? report.peak.explanation : null,
        peakRows: peakRows(report),
        sampling: samplingLine(report),
        samplingFacts: samplingFacts(report),
        baseline: baselineView(report),
        cause
    };
}
/** The verdict and the one or two figures that matter: breaches first, then checks that could not be made. */
function headline(report, checks) {
    const step = report.before !== null;
    const figures = [];
    const maxmemory = report.after?.memory.maxmemory ?? report.before?.memory.maxmemory ?? null;
    const peak = report.peak?.bytes ?? null;
    const word = step ? 'peak' : 'used_memory';
    const peakText = peak === null ? null : maxmemory ? `${word} ${(0,size/* formatBytes */.z3)(peak)} of ${(0,size/* formatBytes */.z3)(maxmemory)} maxmemory` : `${word} ${(0,size/* formatBytes */.z3)(peak)} (no maxmemory set)`;
    let peakShown = false;
    const add = (text, isPeak = false) => {
        if (text === null || figures.includes(text) || (isPeak && peakShown))
            return;
        figures.push(text);
        if (isPeak)
            peakShown = true;
    };
    if (report.after === null)
        add(step ? 'no snapshot after the step' : 'no snapshot');
    const results = new Map(report.checks.map((c) => [c.check, c]));
    const failing = checks.filter((c) => c.status === 'fail' || c.status === 'warn').sort((a, b) => (a.status === b.status ? 0 : a.status === 'fail' ? -1 : 1));
    for (const c of failing) {
        const r = results.get(c.check);
        const n = r?.measured ?? 0;
        switch (c.check) {
            case 'oom':
                add((0,bundle_src_checks/* plural */.LS)(n, 'OOM error'));
                break;
            case 'evictions':
                add(`${(0,bundle_src_checks/* plural */.LS)(n, 'key')} evicted`);
                break;
            case 'leaked-keys':
                add(`${(0,bundle_src_checks/* plural */.LS)(n, 'key')} left behind`);
                break;
            case 'wrong-db':
                add(`${(0,bundle_src_checks/* plural */.LS)(n, 'key')} in the wrong DB`);
                break;
            case 'used-memory':
                add(`${(0,size/* formatBytes */.z3)(n)} used${step ? ' after the step' : ''} (limit ${(0,size/* formatBytes */.z3)(r?.limit ?? 0)})`);
                break;
            case 'peak-memory':
                add(`${word} ${(0,size/* formatBytes */.z3)(n)} (limit ${(0,size/* formatBytes */.z3)(r?.limit ?? 0)})`, true);
                break;
            case 'memory-percent':
                add(peakText, true);
                break;
            case 'fragmentation':
                add(`fragmentation ratio ${n.toFixed(2)}`);
                break;
        }
    }
    for (const c of checks.filter((x) => x.status === 'unknown'))
        add(`${c.check} not checked`);
    add(peakText, true);
    if (report.oomErrors === 0)
        add('no OOM errors');
    return { verdict: report.verdict, word: VERDICT_WORD[report.verdict], figures: figures.slice(0, 2), engine: (0,info/* engineName */.OC)(report.server) };
}
function limitOf(report, check, fmt) {
    const c = report.checks.find((x) => x.check === check);
    if (!c || c.limit === null || statusOf(c) === 'reported')
        return null;
    return fmt(c.limit);
}
function statusOfRow(checks, ...names) {
    return worst(checks.filter((c) => names.includes(c.check)).map((c) => c.status));
}
/** The before / after / change / peak / limit / status rows. */
function figureRows(report, checks) {
    const b = report.before;
    const a = report.after;
    const fmtOf = (kind) => (kind === 'bytes' ? size/* formatBytes */.z3 : kind === 'ratio' ? (n) => n.toFixed(2) : model_count);
    const side = (n, snap, kind) => (snap === null ? ABSENT : n === null || n === undefined ? null : fmtOf(kind)(n));
    const change = (x, y, kind) => {
        if (typeof x !== 'number' || typeof y !== 'number')
            return '';
        if (kind === 'bytes')
            return (0,size/* formatBytesDelta */.vx)(y - x);
        if (kind === 'ratio')
            return `${y - x >= 0 ? '+' : ''}${(y - x).toFixed(2)}`;
        return signed(y - x);
    };
    const row = (label, x, y, kind, extra = {}) => ({
        label,
        before: side(x, b, kind),
        after: side(y, a, kind),
        change: change(x, y, kind),
        peak: '',
        limits: [],
        status: null,
        ...extra
    });
    // Counters that a restart resets: the change is the judged figure (growth, restart included), not after minus before.
    const counterChange = (n) => (n === null ? {} : { change: signed(n) });
    const maxmemory = report.after?.memory.maxmemory;
    const percent = (l) => (maxmemory ? `${Math.round((l / maxmemory) * 100)}%` : '?');
    const peakWord = report.before === null ? 'used' : 'peak';
    return [
        row('Used memory', b?.memory.usedMemory, a?.memory.usedMemory, 'bytes', {
            peak: report.peak?.bytes == null ? '' : (0,size/* formatBytes */.z3)(report.peak.bytes),
            limits: [
                limitOf(report, 'used-memory', (l) => `${report.before === null ? 'now' : 'after'} ≤ ${(0,size/* formatBytes */.z3)(l)}`),
                limitOf(report, 'peak-memory', (l) => `${peakWord} ≤ ${(0,size/* formatBytes */.z3)(l)}`),
                limitOf(report, 'memory-percent', (l) => `${peakWord} ≤ ${(0,size/* formatBytes */.z3)(l)} (${percent(l)} of maxmemory)`)
            ].filter((x) => x !== null),
            status: statusOfRow(checks, 'used-memory', 'peak-memory', 'memory-percent')
        }),
        row('RSS (process memory)', b?.memory.usedMemoryRss, a?.memory.usedMemoryRss, 'bytes'),
        row('Lifetime peak (used_memory_peak)', b?.memory.usedMemoryPeak, a?.memory.usedMemoryPeak, 'bytes'),
        row('Fragmentation ratio', b?.memory.memFragmentationRatio, a?.memory.memFragmentationRatio, 'ratio', {
            limits: [limitOf(report, 'fragmentation', (l) => `≤ ${l}`)].filter((x) => x !== null),
            status: statusOfRow(checks, 'fragmentation')
        }),
        row('Keys (all DBs)', (0,bundle_src_report/* totalKeys */.nZ)(b), (0,bundle_src_report/* totalKeys */.nZ)(a), 'count', {
            limits: [limitOf(report, 'leaked-keys', (l) => `≤ ${model_count(l)} left behind`)].filter((x) => x !== null),
            status: statusOfRow(checks, 'leaked-keys', 'wrong-db')
        }),
        row('Evicted keys', b?.evictedKeys, a?.evictedKeys, 'count', {
            ...counterChange(report.evictedKeys),
            limits: [limitOf(report, 'evictions', model_count)].filter((x) => x !== null),
            status: statusOfRow(checks, 'evictions')
        }),
        row('OOM errors', oomCount(b), oomCount(a), 'count', {
            ...counterChange(report.oomErrors),
            limits: [limitOf(report, 'oom', model_count)].filter((x) => x !== null),
            status: statusOfRow(checks, 'oom')
        }),
        row('Connected clients', b?.connectedClients, a?.connectedClients, 'count')
    ];
}
/** Lines under a breach that connect it to its likely cause, following the checks people run by hand. */
function causeHints(report, c) {
    const hints = [];
    const text = (t) => void hints.push({ kind: 'text', text: t });
    const a = report.after;
    const step = report.before !== null;
    const leaked = report.leakedKeys ?? 0;
    const memoryCheck = ['oom', 'used-memory', 'peak-memory', 'memory-percent', 'evictions'].includes(c.check);
    if (memoryCheck && a) {
        const m = a.memory;
        if (c.check === 'oom' || c.check === 'evictions' || c.check === 'memory-percent') {
            const mm = m.maxmemory ? `${(0,size/* formatBytes */.z3)(m.maxmemory)} maxmemory` : 'no maxmemory';
            if (report.peak?.bytes != null) {
                text(`${step ? "The step's peak was" : 'used_memory is'} ${(0,size/* formatBytes */.z3)(report.peak.bytes)} of ${mm} (policy ${m.maxmemoryPolicy ?? 'unknown'}).`);
            }
        }
        if (m.usedMemory !== null && m.usedMemoryDataset !== null && m.usedMemoryOverhead !== null) {
            text(`${step ? 'After the step' : 'Now'} ${(0,size/* formatBytes */.z3)(m.usedMemory)} is used: ${(0,size/* formatBytes */.z3)(m.usedMemoryDataset)} data, ${(0,size/* formatBytes */.z3)(m.usedMemoryOverhead)} Redis's own overhead (buffers, dictionaries).`);
        }
        if (leaked > 0) {
            const where = Object.entries(report.leakedKeysByDb)
                .map(([db, n]) => `DB ${db}: ${model_count(n)}`)
                .join(', ');
            text(`${(0,bundle_src_checks/* plural */.LS)(leaked, 'key')} were left behind (${where}): keys that earlier tests did not delete are the usual cause.`);
        }
    }
    if (c.check === 'oom') {
        const refused = ((0,commandstats/* commandDeltas */.T)(report.before, report.after) ?? [])
            .filter((d) => (d.rejectedCalls ?? 0) > 0)
            .map((d) => ({ command: d.command, count: d.rejectedCalls ?? 0 }))
            .sort((x, y) => y.count - x.count || (0,commandstats/* compareNames */.M)(x.command, y.command));
        if (refused.length > 0)
            hints.push({ kind: 'refused', commands: refused });
    }
    return hints;
}
/** Said where every reader sees it: a restart during the step explains odd figures and keeps earlier errors counted. */
function restartLine(report) {
    const r = report.restart;
    if (!r)
        return null;
    const what = r.restarted ? 'Redis restarted during the step' : "Redis's counters were reset during the step (CONFIG RESETSTAT or a restart)";
    const started = report.sampling?.startedAt;
    const when = r.at.length > 0 && started ? ` (first seen ${(0,size/* formatDuration */.a3)(Math.max(0, Date.parse(r.at[0]) - Date.parse(started)))} into the step${r.at.length > 1 ? `, ${r.at.length} times in all` : ''})` : '';
    const carried = [
        r.carried.oomErrors > 0 ? (0,bundle_src_checks/* plural */.LS)(r.carried.oomErrors, 'OOM error') : '',
        r.carried.rejectedCalls > 0 ? (0,bundle_src_checks/* plural */.LS)(r.carried.rejectedCalls, 'rejected call') : '',
        r.carried.evictedKeys > 0 ? `${(0,bundle_src_checks/* plural */.LS)(r.carried.evictedKeys, 'key')} evicted` : ''
    ].filter(Boolean);
    const kept = carried.length > 0 ? `: the ${carried.join(', ')} seen before it still count.` : ': counters are counted from the restart; the samples saw nothing to carry over.';
    return `${what}${when}${kept}`;
}
/** The judged peak and the figures it was chosen from. */
function peakRows(report) {
    const p = report.peak;
    if (!p || p.bytes === null)
        return [];
    const candidates = p.candidates ?? legacyCandidates(report);
    let judged = false;
    return candidates.map((c) => {
        // The winner is the first (highest, then preferred) candidate with the judged figure.
        const isJudged = !judged && c.bytes === p.bytes;
        if (isJudged)
            judged = true;
        return { ...c, judged: isJudged };
    });
}
/** Schema 1 kept only the winner, and its "sampled" could be a snapshot: rebuild the figures it compared. */
function legacyCandidates(report) {
    const out = [];
    const sampled = report.sampling?.summary.peak;
    if (sampled)
        out.push({ source: 'sampled', bytes: sampled.bytes, at: sampled.at });
    if (report.peak?.source === 'info-peak' && report.peak.bytes !== null)
        out.push({ source: 'info-peak', bytes: report.peak.bytes });
    if (report.after?.memory.usedMemory != null)
        out.push({ source: 'after', bytes: report.after.memory.usedMemory, at: report.after.takenAt });
    if (report.before?.memory.usedMemory != null)
        out.push({ source: 'before', bytes: report.before.memory.usedMemory, at: report.before.takenAt });
    const order = ['sampled', 'info-peak', 'after', 'before'];
    return out.sort((x, y) => y.bytes - x.bytes || order.indexOf(x.source) - order.indexOf(y.source));
}
function oomMessagesOf(report) {
    const c = report.command;
    if (!c)
        return [];
    if (c.oomMessages)
        return [...c.oomMessages].sort((a, b) => b.count - a.count);
    return (0,output/* distinctOomMessages */.yl)(c.oomQuotes).map((m) => ({ text: m.text, count: null }));
}
function samplingFacts(report) {
    const sampling = report.sampling;
    if (!sampling)
        return [];
    const s = sampling.summary;
    const when = (at) => `${(0,size/* formatDuration */.a3)(Math.max(0, Date.parse(at) - Date.parse(sampling.startedAt)))} into the step`;
    const facts = [];
    if (s.firstOomAt)
        facts.push(`Redis first refused a command with OOM ${when(s.firstOomAt)}.`);
    if (s.firstEvictionAt)
        facts.push(`Redis first evicted keys ${when(s.firstEvictionAt)}.`);
    for (const g of s.gaps) {
        const end = g.to ? `until ${when(g.to)}` : 'until sampling stopped';
        const why = g.error ? `: ${g.error.length > 200 ? `${g.error.slice(0, 199)}…` : g.error}` : '';
        facts.push(`Redis did not answer from ${when(g.from)} ${end} (${g.samples} sample${g.samples === 1 ? '' : 's'}${why}).`);
    }
    return facts;
}
function samplingLine(report) {
    const s = report.sampling;
    if (!s)
        return null;
    const n = s.summary.count;
    const gaps = s.summary.gaps.length;
    return (`Sampled ${n === 1 ? 'once' : `${model_count(n)} times`}, every ${(0,size/* formatDuration */.a3)(s.intervalMs)}` +
        (gaps > 0 ? `; Redis did not answer in ${gaps === 1 ? 'one stretch' : `${gaps} stretches`}` : '') +
        '.');
}
/**
 * The annotations for a report: its errors, each breach, and, when the verdict is not a pass,
 * each check that could not be made (so a warning verdict always has a visible cause) and a
 * restart. A clean run has none.
 */
function annotations(report) {
    const model = model_reportModel(report);
    const out = [...model.errors, ...model.warnings].map((e) => ({ level: 'warning', title: 'Redis Memory Guard', message: e }));
    for (const c of model.checks) {
        if (c.status === 'fail')
            out.push({ level: 'error', title: `${model.headline.engine} memory: ${c.check}`, message: c.message });
        else if (c.status === 'warn')
            out.push({ level: 'warning', title: `${model.headline.engine} memory: ${c.check}`, message: c.message });
        else if (c.status === 'unknown' && report.verdict !== 'pass') {
            out.push({ level: 'warning', title: `${model.headline.engine} memory: ${c.check} could not be checked`, message: c.reason ?? c.message });
        }
    }
    if (model.restart)
        out.push({ level: 'warning', title: `${model.headline.engine} memory: ${model.headline.engine} restarted`, message: model.restart });
    return out;
}

;// CONCATENATED MODULE: ./.tmp/bundle-src/render/timeline.js
/** The "memory during the step" sections: the sampled peak, a Mermaid timeline and the `run` command. Pure: report in, markdown out. */




/** GitHub renders a few hundred points, but about 100 is what a reader can see. */
const MAX_CHART_POINTS = 100;
/**
 * Cuts the time from the first point to the last into at most `maxPoints` equal stretches and
 * keeps the highest value of each, so the chart's points are evenly spaced in time (as Mermaid
 * draws them) and no peak is lost. A stretch whose points are all null (Redis unreachable) is
 * null; a stretch with no point at all (samples sparser than stretches) repeats its neighbour.
 */
function downsampleMax(points, maxPoints) {
    if (points.length === 0)
        return [];
    const start = Math.min(...points.map((p) => p.t));
    const span = Math.max(...points.map((p) => p.t)) - start;
    const n = Math.max(1, Math.min(maxPoints, points.length));
    if (span <= 0)
        return [{ t: start, v: maxOf(points.map((p) => p.v)) }];
    const width = span / n;
    const buckets = Array.from({ length: n }, () => ({ seen: false, v: null }));
    for (const p of points) {
        const b = buckets[Math.min(n - 1, Math.floor((p.t - start) / width))];
        b.seen = true;
        if (p.v !== null)
            b.v = b.v === null ? p.v : Math.max(b.v, p.v);
    }
    let last = buckets.find((b) => b.seen)?.v ?? null;
    return buckets.map((b, i) => {
        if (b.seen)
            last = b.v;
        return { t: start + i * width, v: b.seen ? b.v : last };
    });
}
function maxOf(values) {
    const nums = values.filter((v) => v !== null);
    return nums.length > 0 ? Math.max(...nums) : null;
}
/** The unit that keeps a chart's numbers short. */
function unitFor(max) {
    if (max >= 1024 ** 3)
        return { name: 'GB', size: 1024 ** 3 };
    if (max >= 1024 ** 2)
        return { name: 'MB', size: 1024 ** 2 };
    return { name: 'KB', size: 1024 };
}
function round(n) {
    return Math.round(n * 100) / 100;
}
/** Milliseconds from `start` to an ISO time. */
function since(start, at) {
    return Date.parse(at) - Date.parse(start);
}
/**
 * The Mermaid `xychart-beta` of used_memory over the step, with maxmemory as a flat second line
 * when it is set. `ends` (the before and after snapshots) add their used_memory at their time, so
 * a step shorter than one interval still has a line. Null when no sample reached Redis.
 */
function timelineChart(samples, startedAt, maxmemory, ends = []) {
    const points = [...samples.map((s) => ({ at: s.at, v: s.connected ? s.usedMemory : null })), ...ends.map((e) => ({ at: e.takenAt, v: e.memory.usedMemory }))]
        .map((p) => ({ t: Math.max(0, since(startedAt, p.at)), v: p.v }))
        .sort((a, b) => a.t - b.t);
    if (!points.some((p) => p.v !== null))
        return null;
    const series = downsampleMax(points, MAX_CHART_POINTS);
    const peak = maxOf(series.map((p) => p.v)) ?? 0;
    const top = Math.max(peak, maxmemory ?? 0);
    const unit = unitFor(top);
    const startSeconds = round(Math.min(...points.map((p) => p.t)) / 1000);
    const endSeconds = round(Math.max(...points.map((p) => p.t)) / 1000);
    const lines = [
        '```mermaid',
        // Mermaid's default palette draws the first line in a pale lavender that is hard to see on white.
        `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${CHART_COLOURS}"}}}}%%`,
        'xychart-beta',
        `    title "Used memory during the step (${unit.name})"`,
        `    x-axis "Seconds into the step" ${startSeconds} --> ${endSeconds > startSeconds ? endSeconds : startSeconds + 1}`,
        `    y-axis "${unit.name}" 0 --> ${round((top * 1.05) / unit.size) || 1}`,
        `    line [${series.map((p) => round((p.v ?? 0) / unit.size)).join(', ')}]`
    ];
    if (maxmemory)
        lines.push(`    line [${series.map(() => round(maxmemory / unit.size)).join(', ')}]`);
    lines.push('```');
    return lines.join('\n');
}
/** used_memory in blue, maxmemory in red (GitHub's own accent colours). */
const CHART_COLOURS = '#0969da, #cf222e';
function when(sampling, at) {
    return `${(0,size/* formatDuration */.a3)(Math.max(0, since(sampling.startedAt, at)))} into the step`;
}
/** Words for each figure the peak is chosen from. */
function candidateLabel(source, sampling) {
    switch (source) {
        case 'sampled':
            return sampling
                ? `Sampled: the highest used_memory of ${(0,bundle_src_checks/* plural */.LS)(sampling.summary.connectedCount, 'sample')}, every ${(0,size/* formatDuration */.a3)(sampling.intervalMs)}`
                : 'Sampled: the highest used_memory';
        case 'info-peak':
            return 'INFO used_memory_peak after the step: it rose during the step, so the step reached it';
        case 'after':
            return 'used_memory in the snapshot after the step';
        case 'before':
            return 'used_memory in the snapshot before the step';
    }
}
/**
 * Every figure the step's peak was chosen from, and which one the checks judged, as the report
 * records it (the choice is made once, in the checks; this only shows it).
 */
function peakTable(report) {
    const sampling = report.sampling;
    const model = model_reportModel(report);
    const rows = ['| Peak | Memory | When | |', '|---|---:|---|---|'];
    for (const c of model.peakRows) {
        const time = c.source === 'sampled' && c.at && sampling ? when(sampling, c.at) : '';
        rows.push(`| ${candidateLabel(c.source, sampling)} | ${(0,size/* formatBytes */.z3)(c.bytes)} |${time ? ` ${time} ` : ' '}| ${c.judged ? '**judged**' : 'not judged'} |`);
    }
    if (sampling && !model.peakRows.some((c) => c.source === 'sampled'))
        rows.push('| Sampled | no sample reached Redis | | not judged |');
    if (!model.peakRows.some((c) => c.source === 'info-peak')) {
        const lifetime = report.after?.memory.usedMemoryPeak ?? null;
        rows.push(`| INFO used_memory_peak: since Redis started, never reset; it did not rise during the step | ${lifetime === null ? 'not reported by this server' : (0,size/* formatBytes */.z3)(lifetime)} | | not judged |`);
    }
    return rows.join('\n');
}
/** What the command did, and its OOM messages (one line each, with how many lines carried it) in a block the output cannot break. */
function commandText(c, model) {
    const ended = c.exitCode === 0 ? 'succeeded' : c.exitCode !== null ? `failed with exit code ${c.exitCode}` : `was stopped by ${c.signal ?? 'a signal'}`;
    const out = [`The command ${codeText(c.command.replace(/\s+/g, ' '), { maxLength: 200 })} ${ended} after ${(0,size/* formatDuration */.a3)(c.durationMs)}.`];
    if (c.oomLines > 0) {
        const n = c.oomLines === 1 ? '1 line of its output carries' : `${(0,size/* formatCount */.B4)(c.oomLines)} lines of its output carry`;
        const messages = model?.oomMessages ?? c.oomQuotes.map((text) => ({ text, count: null }));
        const counted = messages.every((m) => m.count !== null);
        const width = Math.max(0, ...messages.map((m) => (0,size/* formatCount */.B4)(m.count ?? 0).length));
        const lines = messages.map((m) => (counted ? `${(0,size/* formatCount */.B4)(m.count ?? 0).padStart(width)}× ${m.text}` : m.text));
        const which = messages.length === 1 ? 'it' : `${messages.length} distinct messages${counted ? ', most frequent first' : ''}`;
        out.push('', `${n} Redis's OOM message; ${which}:`, '', fencedBlock(lines.join('\n')));
    }
    else {
        out.push('', "No line of its output carries Redis's OOM message.");
    }
    return out.join('\n');
}
/** When OOM errors and evictions first appeared, and when Redis did not answer (from the model, escaped). */
function sampleFacts(report) {
    return model_reportModel(report).samplingFacts.map((f) => escapeMarkdown(f, { prose: true, maxLength: 600 }));
}
/** The peak table, the facts and the chart; `withChart: false` for the short form. */
function samplingText(report, sampling, variant, withChart) {
    const out = [variant === 'summary' ? '### Memory during the step' : '**Memory during the step**', '', peakTable(report)];
    const facts = sampleFacts(report);
    if (facts.length > 0)
        out.push('', ...facts.map((f) => `- ${f}`));
    const maxmemory = report.after?.memory.maxmemory ?? report.before?.memory.maxmemory ?? null;
    const ends = [report.before, report.after].filter((x) => x !== null);
    const chart = withChart ? timelineChart(sampling.samples, sampling.startedAt, maxmemory, ends) : null;
    if (chart) {
        const legend = [
            'Each point is the highest used_memory in its stretch of time, from the snapshot before the step to the one after it.',
            maxmemory ? `The flat line is maxmemory (${(0,size/* formatBytes */.z3)(maxmemory)}).` : '',
            sampling.summary.gaps.length > 0 ? 'Stretches where Redis did not answer show as 0.' : ''
        ].filter(Boolean);
        out.push('', chart, '', legend.join(' '));
    }
    return out.join('\n');
}
/** The sampled timeline and the `run` command in the summary and the PR comment, and hints under the breaches. */
const samplingExtension = {
    sections(report, variant) {
        const sections = [];
        if (report.command) {
            sections.push({ id: 'command', label: 'the command run', importance: 70, placement: 'main', text: commandText(report.command, model_reportModel(report)) });
        }
        const sampling = report.sampling;
        if (sampling) {
            sections.push({
                id: 'timeline',
                label: 'memory timeline',
                importance: 60,
                placement: 'main',
                text: samplingText(report, sampling, variant, true),
                short: samplingText(report, sampling, variant, false)
            });
        }
        return sections;
    },
    breachHints(report, check) {
        const sampling = report.sampling;
        const hints = [];
        const judged = model_reportModel(report).peakRows.find((r) => r.judged);
        if ((check === 'peak-memory' || check === 'memory-percent') && sampling && judged) {
            // Which figure won was decided by the checks and is recorded in the report; say where it came from.
            if (judged.source === 'sampled' && judged.at)
                hints.push(`Sampling saw the peak ${when(sampling, judged.at)}; see the timeline.`);
            else if (judged.source === 'info-peak') {
                const sampled = sampling.summary.peak;
                hints.push(sampled
                    ? `INFO's used_memory_peak shows the step reached ${(0,size/* formatBytes */.z3)(judged.bytes)}; the highest sample was ${(0,size/* formatBytes */.z3)(sampled.bytes)}, ${when(sampling, sampled.at)}.`
                    : "INFO's used_memory_peak shows the step reached it; no sample reached Redis.");
            }
            else
                hints.push('The peak was in a snapshot before or after the step: no sample caught memory that high.');
        }
        if (check === 'oom') {
            if (sampling?.summary.firstOomAt)
                hints.push(`Redis first refused a command with OOM ${when(sampling, sampling.summary.firstOomAt)}.`);
            if (report.command && report.command.oomLines > 0) {
                hints.push(`${(0,size/* formatCount */.B4)(report.command.oomLines)} line${report.command.oomLines === 1 ? '' : 's'} of the command's output carry the OOM message (quoted below).`);
            }
        }
        if (check === 'evictions' && sampling?.summary.firstEvictionAt) {
            hints.push(`Redis first evicted keys ${when(sampling, sampling.summary.firstEvictionAt)}.`);
        }
        return hints;
    }
};

;// CONCATENATED MODULE: ./.tmp/bundle-src/render/instances.js


const num = (n) => (n === null ? 'n/a' : (0,size/* formatCount */.B4)(n));
const bytes = (n) => (n === null ? 'n/a' : (0,size/* formatBytes */.z3)(n));
function rowView(r, status) {
    return {
        name: r.address === null ? r.instance : `${r.instance} ${r.address}`,
        role: r.role ?? 'server',
        used: r.reached ? bytes(r.usedMemory) : 'not reached',
        peak: bytes(r.peakMemory),
        maxmemory: r.reached ? (r.maxmemory === null ? 'none' : (0,size/* formatBytes */.z3)(r.maxmemory)) : 'n/a',
        oom: num(r.oomErrors),
        evicted: num(r.evictedKeys),
        keys: num(r.keys),
        status
    };
}
function totalView(t) {
    return {
        name: `total (${t.nodes} ${t.nodes === 1 ? 'node' : 'nodes'}${t.unreached > 0 ? `, ${t.unreached} not reached` : ''})`,
        role: '',
        used: bytes(t.usedMemory),
        peak: '',
        maxmemory: t.maxmemory === null ? 'none' : (0,size/* formatBytes */.z3)(t.maxmemory),
        oom: num(t.oomErrors),
        evicted: num(t.evictedKeys),
        keys: num(t.keys),
        status: null
    };
}
/** The view of `report.instances`; null for a report about one Redis. */
function instancesView(report) {
    const inst = report.instances;
    if (!inst)
        return null;
    const rows = inst.rows.map((r, i) => rowView(r, inst.nodes[i]?.verdict ?? null));
    const lim = inst.totalLimit;
    const totalLimit = lim && lim.maxUsedMemory !== null
        ? lim.status === 'unknown'
            ? `max-used-memory (${(0,size/* formatBytes */.z3)(lim.maxUsedMemory)}) applies to each node and to the total; the total could not be checked.`
            : `max-used-memory (${(0,size/* formatBytes */.z3)(lim.maxUsedMemory)}) applies to each node and to the total: ${bytes(lim.usedMemory)} in total, ${lim.status === 'pass' ? 'within it' : 'over it'}.`
        : null;
    return { rows, total: totalView(inst.total), totalLimit, findings: [...inst.findings] };
}
const MARK = { pass: '✅', warn: '⚠️', fail: '❌', reported: '➖', unknown: '❔' };
/** The per-node table for markdown, every name escaped. */
function instancesTable(view) {
    const lines = ['| Instance / node | Role | Used | Peak | maxmemory | OOM errors | Evicted | Keys | Verdict |', '|---|---|---:|---:|---:|---:|---:|---:|:---:|'];
    for (const r of [...view.rows, view.total]) {
        const name = r === view.total ? `**${escapeMarkdown(r.name, { prose: true })}**` : codeText(r.name, { maxLength: 120 });
        lines.push(`| ${name} | ${r.role} | ${r.used} | ${r.peak} | ${r.maxmemory} | ${r.oom} | ${r.evicted} | ${r.keys} | ${r.status ? MARK[r.status] : ''} |`);
    }
    return lines.join('\n');
}
/** The section in the job summary and the PR comment, right under the verdict's figures. */
const instancesExtension = {
    sections(report, variant) {
        const view = instancesView(report);
        if (!view)
            return [];
        const heading = variant === 'summary' ? '### Instances and nodes' : '**Instances and nodes**';
        const findings = view.findings.map((f) => `- ${escapeMarkdown(f, { prose: true, maxLength: 1000 })}`);
        const limit = view.totalLimit ? [`> ${escapeMarkdown(view.totalLimit, { prose: true })}`, ''] : [];
        const text = [heading, '', instancesTable(view), '', ...limit, ...findings].join('\n').trimEnd();
        const short = [heading, '', ...limit, ...findings.slice(0, 10)].join('\n').trimEnd();
        return [{ id: 'instances', label: 'instances and nodes', importance: 90, placement: 'main', text, short }];
    }
};

;// CONCATENATED MODULE: ./.tmp/bundle-src/render/extensions.js
/**
 * The report's built-in sections (key analysis, the sampled timeline). The summary and the comment
 * always include them, so every caller (the action, `--markdown`) renders the same full report;
 * `RenderOptions.extensions` adds further ones. A feature implements ReportExtension (section.ts)
 * in its own module and is listed here; it never imports this file, so no import cycle forms.
 */



const REPORT_EXTENSIONS = [samplingExtension, keyAnalysisExtension, instancesExtension];

;// CONCATENATED MODULE: ./.tmp/bundle-src/render/fit.js
/** Keeps rendered text under a size limit by shortening, then dropping, the least important parts. Pure. */
/** JavaScript string length counts UTF-16 units, never fewer than GitHub's characters: a safe measure for comments. */
const measureChars = (text) => text.length;
/** The job summary's limit is in bytes. */
const measureBytes = (text) => Buffer.byteLength(text, 'utf8');
/**
 * Joins the parts with blank lines. When that exceeds `limit`, parts are first replaced by their
 * short form and then dropped, least important (and, at equal importance, last) first; `notice`
 * is added at the end to say so. As a last resort the text is cut at a line, with any open code
 * fence or `<details>` closed, so the markdown stays well formed.
 */
function fitParts(parts, limit, measure, notice) {
    const current = parts.map((p) => ({ ...p, state: 'full' }));
    const join = (withNotice) => {
        const texts = current.filter((p) => p.state !== 'dropped').map((p) => (p.state === 'short' ? (p.short ?? p.text) : p.text));
        const shortened = current.filter((p) => p.state === 'short').map((p) => p.label);
        const omitted = current.filter((p) => p.state === 'dropped').map((p) => p.label);
        if (withNotice)
            texts.push(notice(shortened, omitted));
        return texts.join('\n\n') + '\n';
    };
    const result = (text) => ({
        text,
        shortened: current.filter((p) => p.state === 'short').map((p) => p.label),
        omitted: current.filter((p) => p.state === 'dropped').map((p) => p.label)
    });
    const whole = join(false);
    if (measure(whole) <= limit)
        return result(whole);
    const order = current
        .map((p, index) => ({ p, index }))
        .sort((a, b) => a.p.importance - b.p.importance || b.index - a.index)
        .map((x) => x.p);
    const fits = () => measure(join(true)) <= limit;
    let done = false;
    for (const p of order) {
        if (p.short === undefined || p.importance >= 100)
            continue;
        p.state = 'short';
        if ((done = fits()))
            break;
    }
    if (!done) {
        for (const p of order) {
            if (p.importance >= 100)
                continue;
            p.state = 'dropped';
            if ((done = fits()))
                break;
        }
    }
    if (done) {
        // Dropping one big part may have made room for smaller, less important ones dropped before it: put them back.
        for (const p of [...order].reverse()) {
            const before = p.state;
            if (before === 'dropped' && p.short !== undefined) {
                p.state = 'short';
                if (!fits())
                    p.state = before;
            }
            if (p.state !== 'full') {
                const prev = p.state;
                p.state = 'full';
                if (!fits())
                    p.state = prev;
            }
        }
        return result(join(true));
    }
    // Even the parts that are never dropped are too long (e.g. a huge error text): cut at a line.
    const tail = '\n\n' + notice(result('').shortened, [...result('').omitted, 'the rest of the text']) + '\n';
    return result(cutAtLine(join(false), limit - measure(tail) - 32, measure) + tail);
}
/** The longest prefix that ends at a line and fits, with open fences and `<details>` closed. */
function cutAtLine(text, budget, measure) {
    const lines = text.split('\n');
    let out = [];
    let size = 0;
    for (const line of lines) {
        const next = size + measure(line) + 1;
        if (next > budget)
            break;
        out.push(line);
        size = next;
    }
    if (out.length === 0) {
        // A single line longer than the budget: cut inside it.
        let cutText = '';
        for (const ch of text) {
            if (measure(cutText + ch) > budget)
                break;
            cutText += ch;
        }
        out = [cutText];
    }
    const fence = openFence(out);
    if (fence)
        out.push(fence);
    const opened = out.filter((l) => l.includes('<details')).length - out.filter((l) => l.includes('</details>')).length;
    for (let i = 0; i < opened; i++)
        out.push('', '</details>');
    return out.join('\n');
}
/** The fence that is still open at the end of `lines`, if any. */
function openFence(lines) {
    let open = null;
    for (const line of lines) {
        const m = /^(`{3,}|~{3,})/.exec(line);
        if (!m)
            continue;
        if (open === null)
            open = m[1];
        else if (m[1][0] === open[0] && m[1].length >= open.length && line.trim() === m[1])
            open = null;
    }
    return open;
}

;// CONCATENATED MODULE: ./.tmp/bundle-src/render/baseline-markdown.js

const prose = (text) => escapeMarkdown(text, { prose: true, maxLength: 2000 });
/** base / this run / change for each figure, with the usual-range note and the increase check's mark. */
function baselineTable(view, marks) {
    const lines = [`| | ${prose(view.baseHeading)} | ${prose(view.currentHeading)} | Change | |`, '|---|---:|---:|---:|---|'];
    for (const r of view.rows) {
        const note = [r.status && r.status !== 'reported' ? marks[r.status] : '', r.note].filter(Boolean).join(' ');
        lines.push(`| ${r.label} | ${r.base} | ${r.current} | ${r.change} | ${note} |`);
    }
    return lines.join('\n');
}
function prefixName(p) {
    return `${codeText(p.prefix, { maxLength: 80 })}${p.db !== 0 ? ` (DB ${p.db})` : ''}`;
}
/** The prefixes that changed most, as a table (summary). */
function prefixTable(view) {
    const lines = [`| Prefix | ${prose(view.baseHeading)} | ${prose(view.currentHeading)} | Change |`, '|---|---:|---:|---:|'];
    for (const p of view.prefixes) {
        lines.push(`| ${prefixName(p)}${p.tag === 'new' || p.tag === 'gone' ? ` _${p.tag}_` : ''} | ${p.base} | ${p.current} | ${p.tag === 'at least' ? 'at least ' : ''}${p.change} |`);
    }
    return lines.join('\n');
}
/** The prefixes that changed most, on one line (comment). */
function prefixLine(view) {
    if (view.prefixes.length === 0)
        return view.prefixNote ? prose(view.prefixNote) : null;
    const items = view.prefixes.map((p) => `${prefixName(p)} ${p.tag === 'at least' ? 'at least ' : ''}${p.change}${p.tag === 'new' || p.tag === 'gone' ? ` (${p.tag})` : ''}`);
    return `**Biggest prefix changes:** ${items.join(', ')}`;
}
const MIB = 1024 * 1024;
/**
 * The Mermaid line of the peak and used memory after, over the base branch's runs and this one.
 * Null with fewer points than a line needs: two points would suggest a climb nobody observed.
 */
function trendChart(view) {
    const t = view.trend;
    if (!t.drawable)
        return null;
    const all = [...t.peak, ...t.usedAfter].filter((v) => v !== null);
    const top = Math.max(...all, 1);
    const kib = top < MIB;
    const size = kib ? 1024 : MIB;
    const round = (n) => Math.round((n / size) * 100) / 100;
    // Missing figures repeat their neighbour: Mermaid's line has no gaps, and a 0 would draw a false drop.
    const fill = (values) => {
        let last = values.find((v) => v !== null) ?? 0;
        return values.map((v) => (v === null ? last : (last = v)));
    };
    // Labels are short commits, dates or "this run"; anything else is dropped so it cannot break the chart.
    const label = (s) => `"${s.replace(/[^A-Za-z0-9 .:-]/g, '')}"`;
    return [
        '```mermaid',
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#0969da, #8250df"}}}}%%',
        'xychart-beta',
        `    title "Peak (blue) and used after (purple), ${kib ? 'KB' : 'MB'}: the last runs of the base branch, then this one"`,
        `    x-axis [${t.labels.map(label).join(', ')}]`,
        `    y-axis "${kib ? 'KB' : 'MB'}" 0 --> ${round(top * 1.05) || 1}`,
        `    line [${fill(t.peak).map(round).join(', ')}]`,
        ...(t.usedAfter.some((v) => v !== null) ? [`    line [${fill(t.usedAfter).map(round).join(', ')}]`] : []),
        '```'
    ].join('\n');
}
/** The job summary's section: heading, what was compared, the table, notes, prefixes and the trend. */
function baselineSection(view, marks) {
    const out = [`### ${prose(view.title)}`, '', prose(view.summary)];
    for (const w of view.warnings.filter((x) => !view.summary.includes(x)))
        out.push('', `> ${prose(w)}`);
    if (view.compared) {
        out.push('', baselineTable(view, marks));
        const notes = [view.mismatchNote, ...view.notes].filter((n) => n !== null);
        if (notes.length)
            out.push('', notes.map((n) => `> ${prose(n)}`).join('\n>\n'));
        out.push('', '**Prefixes that changed most**', '');
        out.push(view.prefixes.length ? prefixTable(view) : prose(view.prefixNote ?? 'No prefix comparison.'));
    }
    const chart = trendChart(view);
    out.push('', chart ?? prose(view.trend.tooShort ?? ''));
    return out.join('\n');
}

;// CONCATENATED MODULE: ./.tmp/bundle-src/render/cause-markdown.js
/**
 * The cause as markdown: in the job summary a section of its own (moments, what the memory is made
 * of, when each leaked key appeared, tests that left keys), in the PR comment one or two lines.
 * Formats the model's CauseView; every key name, prefix, test name and output line is escaped.
 */

/** Leaked keys listed with their times in the summary; the JSON report has all of them. */
const MAX_TIMED_KEYS = 20;
/** Keys named per test. */
const KEYS_PER_TEST = 5;
const cause_markdown_prose = (text, maxLength = 4000) => escapeMarkdown(text, { prose: true, maxLength });
const keyText = (k, showDb) => `${codeText(k.key, { maxLength: 200 })}${showDb ? ` (DB ${k.db})` : ''}`;
function capitalised(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
}
/** "**At the first OOM** (12.4 s into the step): 2.0 MB used, of which `app:*:events` 1.2 MB (stream), …" */
function momentLine(m, maxPrefixes) {
    const into = m.into ? ` (${m.into})` : '';
    const shown = m.prefixes.slice(0, maxPrefixes).map((p) => `${codeText(p.name, { maxLength: 200 })} ${p.size}${p.types.length > 0 ? ` (${cause_markdown_prose(p.types.join(', '), 100)})` : ''}`);
    const of = shown.length > 0 ? `, of which ${shown.join(', ')}` : m.error ? `; the keys could not be looked at (${cause_markdown_prose(m.error, 300)})` : ', no keys';
    const partial = m.partial ? ` (${cause_markdown_prose(m.partial, 300)})` : '';
    const notKeys = m.notKeys ? ` The biggest part then was not keys: ${m.notKeys}.` : '';
    return `**${capitalised(m.label)}**${into}: ${m.used}${of}${partial}.${notKeys}`;
}
function testsBlock(v, showDb) {
    if (v.tests === null)
        return [];
    const lines = ['**Tests that left keys**', ''];
    if (v.tests.length === 0)
        lines.push('- No leaked key fell in a test of the JUnit files.');
    for (const t of v.tests) {
        const more = t.keys.length > KEYS_PER_TEST ? ` and ${t.keys.length - KEYS_PER_TEST} more` : '';
        lines.push(`- ${cause_markdown_prose(t.name, 300)}: ${t.keys.slice(0, KEYS_PER_TEST).map((k) => keyText(k, showDb)).join(', ')}${more}`);
    }
    if (v.unattributed.length > 0) {
        const more = v.unattributed.length > KEYS_PER_TEST ? ` and ${v.unattributed.length - KEYS_PER_TEST} more` : '';
        lines.push(`- In no test: ${v.unattributed.slice(0, KEYS_PER_TEST).map((k) => keyText(k, showDb)).join(', ')}${more}`);
    }
    if (v.testNotes.length > 0)
        lines.push('', `_${cause_markdown_prose(v.testNotes.join(' '), 2000)}_`);
    return lines;
}
function timesTable(v, showDb) {
    if (v.leakedKeys.length === 0)
        return [];
    // Without any time there is no table, only the sentence that says why.
    if (!v.leakedKeys.some((k) => k.when !== null))
        return v.timesNote ? [`_${cause_markdown_prose(v.timesNote, 1000)}_`] : [];
    const lines = ['**When the leaked keys appeared**', ''];
    {
        const withTest = v.leakedKeys.some((k) => k.test !== null);
        lines.push(`| Key | First seen | Last output line before it |${withTest ? ' Test |' : ''}`, `|---|---:|---|${withTest ? '---|' : ''}`);
        for (const k of v.leakedKeys.slice(0, MAX_TIMED_KEYS)) {
            const line = k.lineBefore === null ? '' : codeText(k.lineBefore, { maxLength: 160 });
            lines.push(`| ${keyText(k, showDb)} | ${k.when ?? 'not recorded'} | ${line} |${withTest ? ` ${k.test === null ? '' : cause_markdown_prose(k.test, 300)} |` : ''}`);
        }
        if (v.leakedKeys.length > MAX_TIMED_KEYS)
            lines.push('', `_${v.leakedKeys.length - MAX_TIMED_KEYS} more in the JSON report (\`cause.leakedKeyTimes\`)._`);
    }
    if (v.timesNote)
        lines.push('', `_${cause_markdown_prose(v.timesNote, 1000)}_`);
    return lines;
}
function partsTable(v) {
    if (v.parts.length === 0)
        return `_What the memory is made of is not known: ${cause_markdown_prose(v.partsUnavailable ?? 'no breakdown', 500)}._`;
    return ['| Part | Bytes | Share |', '|---|---:|---:|', ...v.parts.map((p) => `| ${p.label} | ${p.size} | ${p.share} |`)].join('\n');
}
/** The cause's parts of the summary or the comment; none when the report has no cause. */
function causeParts(v, variant, showDb) {
    if (!v)
        return [];
    const made = `<details><summary>What the memory is made of (MEMORY STATS after the step)</summary>\n\n${partsTable(v)}\n\n</details>`;
    const eventful = v.moments.length > 0 || v.telling !== null || v.leakedKeys.length > 0 || v.tests !== null;
    if (variant === 'comment') {
        // The comment says the cause in a line or two; the summary has the rest.
        const lines = [];
        if (v.moments.length > 0)
            lines.push(`- ${momentLine(v.moments[0], 2)}`);
        if (v.telling)
            lines.push(`- ${cause_markdown_prose(v.telling, 600)}`);
        if (v.tests && v.tests.length > 0) {
            const named = v.tests.slice(0, 3).map((t) => `${cause_markdown_prose(t.name, 120)} (${t.keys.length})`);
            lines.push(`- Tests that left keys: ${named.join(', ')}${v.tests.length > 3 ? `, ${v.tests.length - 3} more` : ''}.`);
        }
        if (lines.length === 0)
            return [];
        return [{ label: 'the cause', importance: 70, text: ['**Why**', '', ...lines].join('\n') }];
    }
    if (!eventful)
        return [{ label: 'what the memory is made of', importance: 30, text: made }];
    const body = ['### Why: the cause', ''];
    for (const m of v.moments)
        body.push(`- ${momentLine(m, 3)}`);
    for (const e of v.explanations)
        body.push(`- ${cause_markdown_prose(e)}`);
    const short = [...body];
    const times = timesTable(v, showDb);
    const tests = testsBlock(v, showDb);
    if (times.length > 0)
        body.push('', ...times);
    if (tests.length > 0)
        body.push('', ...tests);
    body.push('', made);
    return [{ label: 'the cause', importance: 75, text: body.join('\n'), short: short.join('\n') }];
}

;// CONCATENATED MODULE: ./.tmp/bundle-src/render/markdown.js








const NOT_REPORTED = 'not reported by this server';
/** GitHub rejects comment bodies over 65,536 characters; keep a margin for the marker and edits. */
const COMMENT_LIMIT = 65_000;
/** GitHub rejects a step's job summary over 1 MiB. */
const SUMMARY_LIMIT = 1024 * 1024 - 1024;
const VERDICT_MARK = { pass: '✅', warn: '⚠️', fail: '❌' };
/** ➖ measured but not judged; ❔ could not be checked. Neither looks like a pass. */
const STATUS_MARK = { pass: '✅', warn: '⚠️', fail: '❌', reported: '➖', unknown: '❔' };
/** Our sentences may carry text from Redis (a policy name, a DB number): escaped, but readable. */
const markdown_prose = (text) => escapeMarkdown(text, { prose: true, maxLength: 4000 });
/** The headline's figures are our own words and numbers; nothing in them comes from Redis. */
function formatHeadline(h) {
    return `${VERDICT_MARK[h.verdict]} **${h.engine} memory: ${h.word}**${h.figures.length ? ` — ${h.figures.join(', ')}` : ''}`;
}
/** The first line: the verdict and the one or two figures that matter most. */
function markdown_headline(report) {
    return formatHeadline(reportModel(report).headline);
}
const markdown_count = (n) => (0,size/* formatCount */.B4)(n);
function cell(c) {
    return c === ABSENT ? '—' : c === null ? NOT_REPORTED : c;
}
/** The before / after / change / peak / limit / status table. */
function figuresTable(report, model = model_reportModel(report)) {
    const lines = ['| | Before | After | Change | Peak | Limit | Status |', '|---|---:|---:|---:|---:|---|:---:|'];
    for (const r of model.figures) {
        lines.push(`| ${r.label} | ${cell(r.before)} | ${cell(r.after)} | ${r.change} | ${r.peak} | ${r.limits.join('<br>')} | ${r.status ? STATUS_MARK[r.status] : ''} |`);
    }
    return lines.join('\n');
}
function hintText(h) {
    if (h.kind === 'text')
        return markdown_prose(h.text);
    return `Refused: ${h.commands.map((c) => `${codeText(c.command)} ${markdown_count(c.count)}×`).join(', ')}.`;
}
function breachBlock(report, c, variant, extensions, shown) {
    const lines = [checkLine(c)];
    if (shown) {
        const hints = [...c.hints.map(hintText), ...extensions.flatMap((e) => e.breachHints?.(report, c.check, variant) ?? [])];
        // Extensions may repeat a line another breach already carries: say it once, under the first.
        for (const h of hints.filter((x) => !shown.has(x))) {
            shown.add(h);
            lines.push(`  - ${h}`);
        }
    }
    if (c.advice)
        lines.push(`  - **What to do:** ${markdown_prose(c.advice)}`);
    return lines.join('\n');
}
function checkLine(c) {
    return `- ${STATUS_MARK[c.status]} **${c.check}**: ${markdown_prose(c.message)}`;
}
/** Keys per database, before and after, with how many have a TTL. */
function keysPerDb(report) {
    const b = report.before?.keyspace ?? {};
    const a = report.after?.keyspace ?? {};
    const dbs = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort((x, y) => Number(x) - Number(y));
    if (dbs.length === 0)
        return report.before === null ? 'No keys in any database.' : 'No keys in any database, before or after the step.';
    const lines = ['| DB | Keys before | Keys after | Change | With TTL after |', '|---:|---:|---:|---:|---:|'];
    for (const db of dbs) {
        const kb = b[db]?.keys ?? 0;
        const ka = a[db]?.keys ?? 0;
        lines.push(`| ${escapeMarkdown(db)} | ${report.before ? markdown_count(kb) : '—'} | ${report.after ? markdown_count(ka) : '—'} | ${report.before && report.after ? signed(ka - kb) : ''} | ${report.after ? markdown_count(a[db]?.expires ?? 0) : '—'} |`);
    }
    return lines.join('\n');
}
/** Server, version, maxmemory and policy, and where the step's peak came from. */
function serverDetails(report) {
    const s = report.after ?? report.before;
    const lines = [];
    const server = report.server;
    const name = server ? `${server.kind === 'unknown' ? 'unknown server' : server.kind} ${server.version ?? ''}`.trim() : 'unknown';
    const compat = server && server.kind !== 'redis' && server.redisCompatVersion ? ` (Redis-compatible ${markdown_prose(server.redisCompatVersion)})` : '';
    const mode = server?.mode ? `, ${markdown_prose(server.mode)}` : '';
    lines.push(`- Server: ${markdown_prose(name)}${compat}${mode} at ${codeText(report.target.url)}`);
    if (s) {
        const m = s.memory;
        const mm = m.maxmemory;
        lines.push(`- maxmemory: ${mm === null ? NOT_REPORTED : mm === 0 ? '0 (no limit)' : (0,size/* formatBytes */.z3)(mm)}; policy: ${m.maxmemoryPolicy === null ? NOT_REPORTED : codeText(m.maxmemoryPolicy)}`);
        if (m.usedMemoryPeak !== null)
            lines.push(`- Lifetime peak (INFO used_memory_peak, never reset): ${(0,size/* formatBytes */.z3)(m.usedMemoryPeak)}`);
        if (m.usedMemoryStartup !== null)
            lines.push(`- Memory of an empty server (used_memory_startup): ${(0,size/* formatBytes */.z3)(m.usedMemoryStartup)}`);
        if (m.totalSystemMemory)
            lines.push(`- Memory of the machine Redis runs on: ${(0,size/* formatBytes */.z3)(m.totalSystemMemory)}`);
    }
    if (report.peak)
        lines.push(`- ${report.before === null ? 'The figure judged is' : "The step's peak is"} ${markdown_prose(report.peak.explanation)}.`);
    lines.push(`- Report by ${markdown_prose(`${report.tool.name} ${report.tool.version} at ${report.generatedAt}`)}.`);
    return lines.join('\n');
}
/** The commands the step ran most, from the commandstats difference. */
function commandsTable(report, top) {
    const deltas = (0,commandstats/* commandDeltas */.T)(report.before, report.after);
    if (deltas === null)
        return null;
    if (deltas.length === 0)
        return 'No commands counted during the step.';
    const lines = ['| Command | Calls | Rejected | Failed | µs per call |', '|---|---:|---:|---:|---:|'];
    for (const d of deltas.slice(0, top)) {
        const per = d.calls > 0 ? (d.usec / d.calls).toFixed(1) : '';
        lines.push(`| ${codeText(d.command, { maxLength: 80 })} | ${markdown_count(d.calls)} | ${d.rejectedCalls === null ? '—' : markdown_count(d.rejectedCalls)} | ${d.failedCalls === null ? '—' : markdown_count(d.failedCalls)} | ${per} |`);
    }
    const more = deltas.length > top ? ` ${markdown_count(deltas.length - top)} more commands not shown.` : '';
    const moments = report.cause && report.cause.moments.length > 0 ? ' and the key scans of its moment snapshots' : '';
    lines.push('', `_Counts include this action's own INFO calls${moments}._${more}`);
    return lines.join('\n');
}
function markdown_details(summary, body, open = false) {
    return `<details${open ? ' open' : ''}><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}
function sectionPart(s) {
    return { text: s.text, short: s.short, importance: s.importance, label: s.label };
}
const DOCTOR_LIMIT = { summary: 20_000, comment: 4_000 };
const DOCTOR_SHORT = 600;
/** Every part of the report in reading order, for one variant. */
function reportParts(report, variant, opts = {}) {
    const model = model_reportModel(report);
    // The built-in sections always, so any caller gets the full report; extra ones once each.
    const extensions = [...REPORT_EXTENSIONS, ...(opts.extensions ?? []).filter((e) => !REPORT_EXTENSIONS.includes(e))];
    const extra = extensions.flatMap((e) => e.sections?.(report, variant) ?? []);
    const parts = [];
    const keep = (label, text) => void parts.push({ label, text, importance: 100 });
    if (opts.marker)
        keep('marker', opts.marker);
    const title = opts.title ? ` · ${escapeMarkdown(opts.title, { prose: true, maxLength: 200 })}` : '';
    keep('title', variant === 'summary' ? `## Redis Memory Guard${title}` : `### Redis memory${title}`);
    keep('verdict', formatHeadline(model.headline));
    const warned = [...model.errors, ...model.warnings];
    if (warned.length > 0) {
        const errors = warned.map((e) => `> ${escapeMarkdown(e, { prose: true, maxLength: 2000 })}`).join('\n>\n');
        parts.push({ label: 'errors', importance: 92, text: `> [!WARNING]\n${errors}` });
    }
    if (model.restart)
        parts.push({ label: 'restart', importance: 93, text: `> [!IMPORTANT]\n> ${markdown_prose(model.restart)}` });
    if (report.after !== null)
        parts.push({ label: 'figures table', importance: 80, text: figuresTable(report, model) });
    // Breaches, then the checks that could not be made: a gate that could not see is shown, never passed over.
    const attention = [...model.breaches, ...model.unknown];
    const hintsShown = new Set();
    if (attention.length > 0) {
        const words = model.breaches.length > 0 ? 'What went wrong and what to do' : 'What could not be checked';
        const heading = variant === 'summary' ? `### ${words}` : `**${words}**`;
        parts.push({
            label: 'causes under the breaches',
            importance: 95,
            text: [heading, '', ...attention.map((c) => breachBlock(report, c, variant, extensions, hintsShown))].join('\n'),
            short: [heading, '', ...attention.map((c) => breachBlock(report, c, variant, extensions, null))].join('\n')
        });
    }
    if (model.notes.length > 0) {
        parts.push({ label: 'notes', importance: 45, text: model.notes.map((n) => `> ${markdown_prose(n)}`).join('\n>\n') });
    }
    if (model.baseline && variant === 'summary') {
        parts.push({ label: 'comparison with the base branch', importance: 85, text: baselineSection(model.baseline, STATUS_MARK) });
    }
    for (const s of extra.filter((x) => x.placement === 'main'))
        parts.push(sectionPart(s));
    parts.push(...causeParts(model.cause, variant, Object.keys(report.after?.keyspace ?? {}).length > 1));
    if (report.after !== null && variant === 'summary') {
        parts.push({ label: 'all checks', importance: 35, text: markdown_details('All checks', model.checks.map(checkLine).join('\n')) });
    }
    parts.push({ label: 'server details', importance: 40, text: markdown_details('Server, maxmemory and policy', serverDetails(report)) });
    if (report.after !== null || report.before !== null) {
        parts.push({ label: 'keys per database', importance: 38, text: markdown_details('Keys per database', keysPerDb(report)) });
    }
    const commands = commandsTable(report, variant === 'summary' ? 15 : 8);
    if (commands !== null) {
        parts.push({
            label: 'commands the step ran',
            importance: 25,
            text: markdown_details('Commands the step ran most', commands),
            short: markdown_details('Commands the step ran most', commandsTable(report, 3) ?? '')
        });
    }
    for (const s of extra.filter((x) => x.placement === 'details'))
        parts.push(sectionPart(s));
    const doctor = report.after?.memoryDoctor?.trim();
    if (doctor) {
        parts.push({
            label: "MEMORY DOCTOR's text",
            importance: 15,
            text: markdown_details('MEMORY DOCTOR says', fencedBlock(doctor, { maxLength: DOCTOR_LIMIT[variant] })),
            short: markdown_details('MEMORY DOCTOR says', fencedBlock(doctor, { maxLength: DOCTOR_SHORT }))
        });
    }
    const footer = ['<sub>Sizes are 1024-based: 1 KB = 1024 bytes, 1 MB = 1024 KB.'];
    if (variant === 'comment' && opts.runUrl)
        footer.push(` Full report: [job summary](${opts.runUrl}).`);
    footer.push('</sub>');
    keep('footer', footer.join(''));
    return parts;
}
function notice(variant, runUrl) {
    return (shortened, omitted) => {
        const what = [omitted.length ? `left out ${omitted.join(', ')}` : '', shortened.length ? `shortened ${shortened.join(', ')}` : '']
            .filter(Boolean)
            .join('; ');
        const limit = variant === 'comment' ? "GitHub's 65,536-character limit for comments" : "GitHub's 1 MiB limit for job summaries";
        const full = variant === 'comment'
            ? runUrl
                ? `The full report is in the [job summary](${runUrl}) and the JSON report.`
                : 'The full report is in the job summary and the JSON report.'
            : `The JSON report has everything${runUrl ? ` ([run](${runUrl}))` : ''}.`;
        return `> [!NOTE]\n> Shortened to fit ${limit}: ${what}. ${full}`;
    };
}
/** Renders one variant within its size limit. */
function renderReport(report, variant, opts = {}) {
    const limit = opts.limit ?? (variant === 'comment' ? COMMENT_LIMIT : SUMMARY_LIMIT);
    const measure = variant === 'comment' ? measureChars : measureBytes;
    return fitParts(reportParts(report, variant, opts), limit, measure, notice(variant, opts.runUrl)).text;
}
/** The whole job summary. */
function renderSummary(report, opts = {}) {
    return renderReport(report, 'summary', opts);
}
/** The PR comment: the same report, shorter, under GitHub's comment limit. */
function renderComment(report, opts = {}) {
    // Compared with a baseline, or passing, the comment is the short one a reviewer reads in ten
    // seconds; everything else stays in the job summary it links to.
    if ((report.baseline && report.baseline.action !== 'write') || report.verdict === 'pass') {
        return fitParts(baselineCommentParts(report, opts), opts.limit ?? COMMENT_LIMIT, measureChars, notice('comment', opts.runUrl)).text;
    }
    return renderReport(report, 'comment', opts);
}
/**
 * The comment against the base branch: verdict and change in the headline, one table, the three
 * biggest prefix changes, each check that did not pass with its one-line cause, and a link to the
 * job summary for everything else. A passing run's comment stays within 15 lines.
 */
function baselineCommentParts(report, opts = {}) {
    const model = model_reportModel(report);
    const view = model.baseline;
    const parts = [];
    const title = opts.title ? ` · ${escapeMarkdown(opts.title, { prose: true, maxLength: 200 })}` : '';
    const change = view?.headlineChange ? ` · ${view.headlineChange}` : '';
    const top = [opts.marker, `### Redis memory${title}`, `${formatHeadline(model.headline)}${change}`].filter((x) => Boolean(x));
    parts.push({ label: 'headline', importance: 100, text: top.join('\n') });
    if (view?.compared) {
        parts.push({ label: 'comparison table', importance: 90, text: baselineTable(view, STATUS_MARK) });
        const prefixes = prefixLine(view);
        if (prefixes)
            parts.push({ label: 'prefix changes', importance: 70, text: prefixes });
    }
    if (model.errors.length > 0) {
        parts.push({ label: 'errors', importance: 92, text: model.errors.map((e) => `> ${escapeMarkdown(e, { prose: true, maxLength: 500 })}`).join('\n>\n') });
    }
    const attention = [...model.breaches, ...model.unknown];
    if (attention.length > 0)
        parts.push({ label: 'checks that did not pass', importance: 95, text: attention.map(checkLine).join('\n') });
    const said = [view?.summary, view?.mismatchNote].filter((x) => Boolean(x)).map(markdown_prose);
    const link = opts.runUrl ? ` Full report: [job summary](${opts.runUrl}).` : ' The full report is in the job summary.';
    parts.push({ label: 'footer', importance: 100, text: `<sub>${said.join(' ')} Sizes are 1024-based.${link}</sub>` });
    return parts;
}

// EXTERNAL MODULE: ./.tmp/bundle-src/step/files.js
var files = __webpack_require__(2949);
;// CONCATENATED MODULE: ./.tmp/bundle-src/baseline/apply.js

const INCREASE_CHECKS = [
    { check: 'peak-increase', setting: 'peak', unit: 'bytes' },
    { check: 'used-increase', setting: 'used', unit: 'bytes' },
    { check: 'leaked-keys-increase', setting: 'leakedKeys', unit: 'count' }
];
/** An increase check as the report keeps checks: `unknown` always carries its reason. */
function asCheckResult(c) {
    const out = { check: c.check, status: c.status, measured: c.measured, limit: c.limit, unit: c.unit, message: c.message };
    if (c.advice)
        out.advice = c.advice;
    if (c.status === 'unknown')
        out.reason = c.reason ?? c.message;
    return out;
}
/** The increase checks that have a limit, as `unknown`: the baseline could not be read, so they could not be made. */
function unreadableBaselineChecks(limits, why) {
    return INCREASE_CHECKS.filter((c) => limits[c.setting] !== undefined).map((c) => ({
        check: c.check,
        status: 'unknown',
        measured: null,
        limit: null,
        unit: c.unit,
        message: `Could not compare with the baseline: ${why}`
    }));
}
/**
 * The report with its baseline: `report.baseline`, the increase checks after the others, and the
 * verdict made worse by them only (a warning never fails the job; `fail` needs the check in fail-on).
 * Unchanged when the run neither compared nor recorded (baseline off, not a push or pull request).
 */
function applyBaseline(report, outcome, limits) {
    const { plan } = outcome;
    if (plan.action === 'off' || plan.action === 'none')
        return report;
    const branch = plan.action === 'read' ? plan.baseBranch : plan.action === 'write' ? plan.branch : null;
    let checks = [];
    let summary;
    if (outcome.comparison) {
        checks = outcome.comparison.checks;
        summary = outcome.comparison.summary;
    }
    else if (plan.action === 'write') {
        const r = outcome.recorded;
        summary = r
            ? `Recorded this run as the baseline of ${plan.branch}: ${r.entries} run${r.entries === 1 ? '' : 's'} in the history on ${r.branch}${r.createdBranch ? ' (branch created)' : ''}.`
            : `The baseline of ${plan.branch} was not recorded: ${outcome.warnings[0] ?? 'no repository to record it in'}`;
    }
    else {
        const why = outcome.warnings[0] ?? 'no repository to read it from.';
        summary = `The baseline could not be read: ${why}`;
        checks = unreadableBaselineChecks(limits, why);
    }
    // A file's entries may name no branch: its trend is the whole file.
    const trendBranch = plan.action === 'file' ? (outcome.comparison?.baseline?.entry.branch ?? null) : branch;
    const baseline = {
        action: plan.action,
        branch,
        summary,
        comparison: outcome.comparison,
        trend: trendPoints(outcome.series, trendBranch, outcome.entry),
        recorded: outcome.recorded,
        warnings: outcome.warnings
    };
    return {
        ...report,
        verdict: verdictWithIncreases(report.verdict, checks),
        checks: [...report.checks, ...checks.map(asCheckResult)],
        baseline
    };
}
/**
 * `comment: on-change`: post a new comment when a check did not pass (breached or could not be
 * made) or a figure moved beyond its usual range against the base branch. Checks that only
 * report (no limit set) do not count: they would post on every run.
 */
function worthCommenting(report) {
    if (report.verdict !== 'pass')
        return true;
    if (report.checks.some((c) => c.status === 'fail' || c.status === 'warn' || c.status === 'unknown'))
        return true;
    return report.baseline?.comparison?.changed === true;
}

// EXTERNAL MODULE: ./.tmp/bundle-src/baseline/settings.js
var baseline_settings = __webpack_require__(1698);
// EXTERNAL MODULE: ./.tmp/bundle-src/options.js
var options = __webpack_require__(4293);
// EXTERNAL MODULE: ./.tmp/bundle-src/keys/report.js
var report = __webpack_require__(2536);
// EXTERNAL MODULE: ./.tmp/bundle-src/version.js
var version = __webpack_require__(1087);
;// CONCATENATED MODULE: ./.tmp/bundle-src/baseline/file.js
/** A baseline the user keeps: a saved JSON report or a history file (`baseline: PATH`, `--baseline FILE`). */





/** The series id of a baseline made from a single report file. */
const REPORT_FILE_SERIES = 'report file';
/** Reads a JSON report or a history file as a series; a report becomes a series of one entry. */
async function loadBaselineFile(path, name = 'baseline') {
    let text;
    try {
        text = await (0,promises_.readFile)(path, 'utf8');
    }
    catch (err) {
        const code = err.code;
        const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : String(code ?? err);
        throw new errors/* UserError */.yo(`${name}: cannot read "${path}" (${why}). Give the path of a JSON report or history file, or auto or off.`);
    }
    return baselineFromText(text, `${name}: ${path}`);
}
/** The same, from the file's text; `source` names the file in errors. */
function baselineFromText(text, source) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch (err) {
        throw new errors/* UserError */.yo(`${source}: not JSON (${err.message}). Expected a redis-memory-guard JSON report or history file.`);
    }
    const o = data;
    if (typeof o === 'object' && o !== null && o.format === baseline_history/* HISTORY_FORMAT */.nA)
        return (0,baseline_history/* historyFromJson */.zF)(o, source);
    const tool = o?.tool;
    if (typeof o !== 'object' || o === null || tool?.name !== version/* TOOL_NAME */.l || typeof o.schemaVersion !== 'number') {
        throw new errors/* UserError */.yo(`${source}: neither a redis-memory-guard JSON report nor a history file.`);
    }
    let entry;
    try {
        entry = (0,baseline_history/* entryFromReport */.R8)(o, { commit: null, branch: null, runId: null }, report/* TOP_N */.vV);
    }
    catch {
        throw new errors/* UserError */.yo(`${source}: the JSON report is incomplete (written by another version?); save a new one with report-path or --json.`);
    }
    // Through the history reader, so a report with figures of the wrong type fails here with a clear line.
    return (0,baseline_history/* historyFromJson */.zF)({ format: baseline_history/* HISTORY_FORMAT */.nA, version: baseline_history/* HISTORY_VERSION */.g1, series: REPORT_FILE_SERIES, entries: [entry] }, source);
}

;// CONCATENATED MODULE: ./.tmp/bundle-src/baseline/store.js


/** Writes retried after a conflict; each retry re-reads the file, so every writer's entry lands. */
const MAX_WRITE_ATTEMPTS = 6;
/** All requests of one read or write together, so a hanging API cannot hold the job. */
const DEFAULT_BUDGET_MS = 30_000;
/** A client for one repository, bounded by `budgetMs` for everything it does. */
async function openGitHubApi(opts) {
    const { getOctokit } = await __webpack_require__.e(/* import() */ 413).then(__webpack_require__.bind(__webpack_require__, 2413));
    const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
    const signal = AbortSignal.timeout(budgetMs);
    // baseUrl is read here, not when @actions/github loaded, so GITHUB_API_URL set later still counts.
    const baseUrl = (opts.apiUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
    const octokit = getOctokit(opts.token, { baseUrl, request: { signal } });
    return { octokit, owner: opts.owner, repo: opts.repo, signal, deadline: Date.now() + budgetMs };
}
const store_statusOf = (err) => {
    const s = err?.status;
    return typeof s === 'number' ? s : undefined;
};
/** Reads a series file from the data branch; null when the file or the branch does not exist yet. */
async function readSeries(api, dataBranch, path) {
    let data;
    try {
        ;
        ({ data } = await api.octokit.rest.repos.getContent({ owner: api.owner, repo: api.repo, path, ref: dataBranch }));
    }
    catch (err) {
        if (store_statusOf(err) === 404)
            return null;
        throw err;
    }
    const file = data;
    if (Array.isArray(data) || file.type !== 'file' || typeof file.sha !== 'string') {
        throw new Error(`${path} on ${dataBranch} is not a file`);
    }
    if (file.encoding !== 'base64' || typeof file.content !== 'string') {
        // Over 1 MB the contents API leaves the content out; serializeSeries keeps files well under that.
        throw new Error(`${path} on ${dataBranch} is too large for the contents API (over 1 MB)`);
    }
    const text = Buffer.from(file.content, 'base64').toString('utf8');
    return { series: (0,baseline_history/* parseHistory */.i6)(text, `${path} on ${dataBranch}`), sha: file.sha };
}
/** The merge base of `base...head`, or null when GitHub does not know one (e.g. unrelated histories). */
async function findMergeBase(api, base, head) {
    try {
        const { data } = await api.octokit.rest.repos.compareCommitsWithBasehead({ owner: api.owner, repo: api.repo, basehead: `${base}...${head}`, per_page: 1 });
        return data.merge_base_commit?.sha ?? null;
    }
    catch (err) {
        if (store_statusOf(err) === 404)
            return null;
        throw err;
    }
}
/**
 * Creates the data branch at the tip of `fromBranch` when it does not exist. Returns true when this
 * call created it; a concurrent writer creating it first (422) is fine.
 */
async function ensureBranch(api, dataBranch, fromBranch) {
    const where = { owner: api.owner, repo: api.repo };
    try {
        await api.octokit.rest.git.getRef({ ...where, ref: `heads/${dataBranch}` });
        return false;
    }
    catch (err) {
        if (store_statusOf(err) !== 404)
            throw err;
    }
    const { data: from } = await api.octokit.rest.git.getRef({ ...where, ref: `heads/${fromBranch}` });
    try {
        await api.octokit.rest.git.createRef({ ...where, ref: `refs/heads/${dataBranch}`, sha: from.object.sha });
        return true;
    }
    catch (err) {
        if (store_statusOf(err) === 422)
            return false;
        throw err;
    }
}
/** Re-read and retry: another writer changed the file (409), created it (422), or the branch went (404). */
const RETRY_STATUSES = new Set([404, 409, 422, 500, 502, 503, 504]);
/**
 * Appends one entry to the series file: read, append, write with the read sha; on a conflict read
 * again and append again, so two jobs pushing at once both land. Bounded by attempts and the budget.
 */
async function recordEntry(api, req) {
    const maxAttempts = req.maxAttempts ?? MAX_WRITE_ATTEMPTS;
    let createdBranch = false;
    let conflicts = 0;
    let lastError;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const stored = await readSeries(api, req.dataBranch, req.path);
        if (!stored && attempt === 1)
            createdBranch = await ensureBranch(api, req.dataBranch, req.fromBranch);
        if (stored && stored.series.series !== req.seriesId) {
            throw new Error(`${req.path} on ${req.dataBranch} holds the series "${stored.series.series}", not "${req.seriesId}"`);
        }
        const series = (0,baseline_history/* appendEntry */.D4)(stored?.series ?? (0,baseline_history/* emptySeries */.BV)(req.seriesId), req.entry);
        try {
            await api.octokit.rest.repos.createOrUpdateFileContents({
                owner: api.owner,
                repo: api.repo,
                path: req.path,
                branch: req.dataBranch,
                message: req.message,
                content: Buffer.from((0,baseline_history/* serializeSeries */.MD)(series), 'utf8').toString('base64'),
                ...(stored ? { sha: stored.sha } : {})
            });
            return { series, attempts: attempt, conflicts, createdBranch };
        }
        catch (err) {
            const status = store_statusOf(err);
            if (status === undefined || !RETRY_STATUSES.has(status))
                throw err;
            lastError = err;
            if (status === 409 || status === 422)
                conflicts++;
            if (status === 404)
                createdBranch = (await ensureBranch(api, req.dataBranch, req.fromBranch)) || createdBranch;
        }
        // Jittered backoff so two writers that collided do not collide again in step.
        const wait = Math.min(100 * 2 ** (attempt - 1), 1000) * (0.5 + Math.random());
        if (Date.now() + wait >= api.deadline)
            break;
        await new Promise((r) => setTimeout(r, wait));
    }
    throw new Error(`gave up after ${maxAttempts} attempts or the time budget: ${(0,errors/* describeError */.Uc)(lastError)}`);
}
/** One line for a failed baseline read or write, naming the permission when that is the cause. */
function explainBaselineError(err, action, dataBranch) {
    const e = err;
    const apiMessage = e?.response?.data?.message;
    const timedOut = e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError';
    const detail = timedOut ? 'no answer within the time budget' : typeof apiMessage === 'string' && apiMessage ? apiMessage : (0,errors/* describeError */.Uc)(err);
    // Octokit gives network failures and timeouts status 500 too; only a response means GitHub answered.
    const status = e?.response && typeof e.status === 'number' ? e.status : null;
    const verb = action === 'read' ? 'read' : 'record';
    const head = `Could not ${verb} the Redis memory baseline on the branch ${dataBranch}: ${status !== null ? `GitHub answered ${status} (${detail})` : detail}.`;
    if (action === 'write' && (status === 403 || status === 404)) {
        return `${head} Recording needs "permissions: contents: write" on the push job (only there; pull requests need only contents: read). The report itself is complete.`;
    }
    if (status === 401)
        return `${head} The github-token input is not a valid token; leave it unset to use the job's token.`;
    if (action === 'read' && (status === 403 || status === 404)) {
        return `${head} Reading needs "permissions: contents: read". The report is complete, without the comparison.`;
    }
    return `${head} ${action === 'read' ? 'The report is complete, without the comparison.' : 'The report itself is complete.'}`;
}

;// CONCATENATED MODULE: ./.tmp/bundle-src/baseline/step.js
/**
 * The baseline's part of the post step, as one call: decide (record, compare, file or nothing),
 * talk to GitHub, and hand back data for the report. Never throws: a baseline that cannot be read
 * or written is one warning line, and the report stays complete without it.
 */









/** Reads, compares or records the baseline for this run. */
async function baselineStep(input) {
    const { settings, context: ctx } = input;
    const log = input.log ?? (() => { });
    const plan = (0,baseline_settings/* planBaseline */.HP)(settings, ctx);
    const entry = (0,baseline_history/* entryFromReport */.R8)(input.report, { commit: ctx.commit, branch: ctx.branch, runId: ctx.runId }, report/* TOP_N */.vV);
    const outcome = { plan, entry, series: null, comparison: null, recorded: null, warnings: [] };
    const compare = (series, mergeBase, baseBranch) => compare_compareWithBaseline({ current: entry, series, mergeBase, baseBranch, limits: settings.limits, strict: settings.strict, failOn: input.failOn });
    if (plan.action === 'off' || plan.action === 'none') {
        log(plan.reason);
        return outcome;
    }
    if (plan.action === 'file') {
        try {
            const series = await loadBaselineFile(plan.path);
            const baseRef = ctx.pullRequest?.baseRef;
            const baseBranch = baseRef && series.entries.some((e) => e.branch === baseRef) ? baseRef : null;
            outcome.series = series;
            outcome.comparison = compare(series, null, baseBranch);
            log(`Baseline from ${plan.path}: ${outcome.comparison.summary}`);
        }
        catch (err) {
            outcome.warnings.push((0,errors/* describeError */.Uc)(err));
        }
        return outcome;
    }
    if (!ctx.owner || !ctx.repo)
        return outcome;
    if (!input.token) {
        outcome.warnings.push('No github-token: the Redis memory baseline is neither read nor recorded. Leave github-token unset to use the job\'s token.');
        return outcome;
    }
    const path = (0,baseline_history/* seriesPath */.X_)(input.seriesId);
    const api = await openGitHubApi({ token: input.token, owner: ctx.owner, repo: ctx.repo, apiUrl: input.apiUrl, budgetMs: input.budgetMs });
    log(plan.reason);
    if (plan.action === 'read') {
        // Both requests at once: the merge base is only needed once the file exists, but waiting costs a round trip.
        const [stored, mergeBase] = await Promise.allSettled([
            readSeries(api, settings.dataBranch, path),
            findMergeBase(api, plan.baseBranch, plan.headSha)
        ]);
        if (stored.status === 'rejected') {
            outcome.warnings.push(explainBaselineError(stored.reason, 'read', settings.dataBranch));
            return outcome;
        }
        let base = null;
        if (mergeBase.status === 'fulfilled')
            base = mergeBase.value;
        else
            log(`Could not find the merge base (${(0,errors/* describeError */.Uc)(mergeBase.reason)}); comparing with the newest run of ${plan.baseBranch}.`);
        outcome.series = stored.value?.series ?? null;
        outcome.comparison = compare(outcome.series, base, plan.baseBranch);
        log(`${outcome.comparison.summary} (${path} on ${settings.dataBranch})`);
        return outcome;
    }
    // plan.action === 'write'
    try {
        const short = ctx.commit ? ctx.commit.slice(0, 7) : 'unknown commit';
        const result = await recordEntry(api, {
            dataBranch: settings.dataBranch,
            path,
            seriesId: input.seriesId,
            entry,
            fromBranch: ctx.defaultBranch ?? plan.branch,
            // [skip ci]: a token that may trigger workflows (a PAT) must not start CI for every data commit.
            message: `Redis memory baseline: ${input.seriesId} at ${short}${ctx.runId ? ` (run ${ctx.runId})` : ''} [skip ci]`
        });
        outcome.series = result.series;
        outcome.recorded = {
            branch: settings.dataBranch,
            path,
            entries: result.series.entries.length,
            attempts: result.attempts,
            conflicts: result.conflicts,
            createdBranch: result.createdBranch
        };
        log(`Recorded the baseline in ${path} on ${settings.dataBranch}${result.createdBranch ? ' (branch created)' : ''}: ` +
            `${result.series.entries.length} entries, ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}.`);
    }
    catch (err) {
        outcome.warnings.push(explainBaselineError(err, 'write', settings.dataBranch));
    }
    return outcome;
}
/**
 * For the CLI's `--baseline FILE` (after loadBaselineFile, which throws a UserError for a bad file):
 * this report against the newest entry of the file, with the same checks and wording as the action.
 */
function compareWithSeries(report, series, opts) {
    const current = entryFromReport(report, { commit: null, branch: null, runId: null }, TOP_N);
    return compareWithBaseline({ current, series, mergeBase: null, baseBranch: null, limits: opts.settings.limits, strict: opts.settings.strict, failOn: opts.failOn });
}
/**
 * Everything baselineStep needs, read from the action's inputs and the runner's environment, so the
 * post step needs one line: `await baselineStep(baselineInputs(report, source))`. Throws a UserError
 * for a bad input (the main step has read the same inputs, so it will have failed on it already).
 */
function baselineInputs(report, source) {
    const env = source.env ?? process.env;
    const get = source.getInput;
    return {
        report,
        settings: readBaselineSettings(get),
        context: runContext(env, source.payload),
        seriesId: seriesId({ commentKey: get(Input.CommentKey), matrix: get(Input.Matrix) }, env),
        token: get(Input.GithubToken).trim(),
        failOn: parseFailOn(get(Input.FailOn))
    };
}

;// CONCATENATED MODULE: ./.tmp/bundle-src/action/baseline.js
/**
 * The action's side of the baseline: the run's context from the runner, the warnings as
 * annotations. What is compared, recorded and judged is decided in src/baseline/.
 */






/** The report with its baseline; never throws and never fails the job over the baseline itself. */
async function withBaseline(report, settings, env = process.env) {
    // Without a snapshot after the step there is nothing to compare or to record.
    if (settings.baseline.mode === 'off' || report.after === null)
        return report;
    try {
        const outcome = await baselineStep({
            report,
            settings: settings.baseline,
            context: (0,baseline_settings/* runContext */.pO)(env, await comment_readEventPayload(env)),
            seriesId: settings.baselineSeries,
            token: settings.comment.token,
            failOn: settings.thresholds.failOn,
            log: (line) => runner/* info */.pq(line)
        });
        for (const w of outcome.warnings)
            runner/* warning */.$e(w, { title: 'Redis Memory Guard: baseline' });
        return applyBaseline(report, outcome, settings.baseline.limits);
    }
    catch (err) {
        // baselineStep does not throw; this guards the report against a bug in it all the same.
        runner/* warning */.$e(`The Redis memory baseline was skipped: ${(0,errors/* describeError */.Uc)(err)}`, { title: 'Redis Memory Guard: baseline' });
        return report;
    }
}

// EXTERNAL MODULE: ./.tmp/bundle-src/action/constants.js
var constants = __webpack_require__(7043);
;// CONCATENATED MODULE: ./.tmp/bundle-src/action/comment.js




/**
 * Posts or updates the sticky PR comment and sets the comment-id and comment-url outputs.
 * Never throws and never fails the job: the report is already in the summary and the outputs.
 */
async function publishComment(report, body, settings, env = process.env, lookup) {
    const posted = await postOrUpdate(report, body, settings, env, lookup);
    runner/* setOutput */.uH(constants/* Output */.k7.CommentId, posted?.id ?? '');
    runner/* setOutput */.uH(constants/* Output */.k7.CommentUrl, posted?.url ?? '');
}
/**
 * Begins looking for the sticky comment, so the post step does it while it scans the keys; null
 * when no comment will be posted (publishComment then says why). A failed lookup is reported by
 * publishComment, as one of its own would be.
 */
function startCommentLookup(settings, env = process.env) {
    const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
    if (settings.mode === 'off' || !settings.token || !owner || !repo)
        return null;
    const lookup = (async () => {
        const issueNumber = pullRequestNumber(env.GITHUB_EVENT_NAME, await readEventPayload(env));
        if (issueNumber === null)
            return null;
        core.setSecret(settings.token);
        return lookUpComment({ token: settings.token, owner, repo, issueNumber, marker: commentMarker(settings.key) });
    })();
    // Awaited later by publishComment; until then a rejection must not count as unhandled.
    lookup.catch(() => { });
    return lookup;
}
async function postOrUpdate(report, body, settings, env, lookup) {
    if (settings.mode === 'off')
        return null;
    const issueNumber = comment_pullRequestNumber(env.GITHUB_EVENT_NAME, await comment_readEventPayload(env));
    if (issueNumber === null) {
        runner/* info */.pq(`No PR comment: the ${env.GITHUB_EVENT_NAME || 'current'} event is not a pull request.`);
        return null;
    }
    const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
    if (!owner || !repo) {
        runner/* warning */.$e('Could not post the PR comment: GITHUB_REPOSITORY is not set (owner/repo).');
        return null;
    }
    if (!settings.token) {
        runner/* warning */.$e('Could not post the PR comment: github-token is empty. Leave it unset to use the job token, or pass a token with pull-requests: write.');
        return null;
    }
    runner/* setSecret */.Pq(settings.token);
    try {
        const result = await upsertComment({
            token: settings.token,
            owner,
            repo,
            issueNumber,
            marker: (0,comment_settings/* commentMarker */.Ql)(settings.key),
            body,
            // on-breach and on-change post nothing new for a quiet run, but still update an old comment so it never shows a stale result.
            create: settings.mode === 'auto' || (settings.mode === 'on-change' ? worthCommenting(report) : report.verdict !== 'pass')
        }, lookup);
        if (result.action === 'skipped') {
            runner/* info */.pq(settings.mode === 'on-change'
                ? 'No PR comment: every check passed and no figure changed beyond its usual range (comment: on-change).'
                : 'No PR comment: the verdict is pass and comment is on-breach.');
            return null;
        }
        runner/* info */.pq(`PR comment ${result.action}: ${result.url}`);
        return result;
    }
    catch (err) {
        runner/* warning */.$e(explainGitHubError(err), { title: 'Redis Memory Guard: PR comment' });
        return null;
    }
}

// EXTERNAL MODULE: ./.tmp/bundle-src/action/state.js
var state = __webpack_require__(1627);
// EXTERNAL MODULE: ./.tmp/bundle-src/run/command.js + 1 modules
var run_command = __webpack_require__(1014);
;// CONCATENATED MODULE: ./.tmp/bundle-src/action/publish.js
/** The action's way of telling: JSON report, job summary, outputs, annotations, PR comment, and the step's result. */











/** Writes the JSON report, the job summary, the outputs and the annotations, then fails the job if needed. */
async function publish(judged, settings, commentLookup) {
    // The base branch's baseline first: its increase checks belong in every output below.
    const report = await withBaseline(judged, settings);
    const problem = await (0,files/* writeReportFile */.aS)(settings.reportPath, report);
    if (problem)
        runner/* warning */.$e(problem);
    const runUrl = runPageUrl();
    await writeSummary(renderSummary(report, { runUrl }));
    const commentBody = renderComment(report, {
        runUrl,
        title: settings.comment.title,
        marker: (0,comment_settings/* commentMarker */.Ql)(settings.comment.key)
    });
    const out = (name, value) => runner/* setOutput */.uH(name, value ?? '');
    out(constants/* Output */.k7.Verdict, report.verdict);
    out(constants/* Output */.k7.UsedMemoryBefore, report.before?.memory.usedMemory);
    out(constants/* Output */.k7.UsedMemoryAfter, report.after?.memory.usedMemory);
    out(constants/* Output */.k7.UsedMemoryPeak, report.peak?.bytes);
    out(constants/* Output */.k7.OomErrors, report.oomErrors);
    out(constants/* Output */.k7.EvictedKeys, report.evictedKeys);
    out(constants/* Output */.k7.LeakedKeys, report.leakedKeys);
    out(constants/* Output */.k7.ReportPath, settings.reportPath);
    out(constants/* Output */.k7.CommentBody, commentBody);
    for (const a of annotations(report))
        (a.level === 'error' ? runner/* error */.z3 : runner/* warning */.$e)(a.message, { title: a.title });
    await publishComment(report, commentBody, settings.comment, process.env, commentLookup ?? undefined);
    runner/* info */.pq(`Redis memory verdict: ${report.verdict}. Report: ${settings.reportPath}`);
    if (report.verdict === 'fail') {
        const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.check);
        runner/* setFailed */.C1(failed.length > 0
            ? `Redis memory check failed: ${failed.join(', ')}. See the job summary for causes.`
            : `Redis memory check could not run: ${report.errors[report.errors.length - 1] ?? 'no snapshot after the step'}`);
    }
}
/** The job summary; without a summary file (a local run) it goes to the log. */
async function writeSummary(markdown) {
    if (!process.env.GITHUB_STEP_SUMMARY) {
        runner/* info */.pq(markdown);
        return;
    }
    try {
        await runner/* appendSummary */.fe(markdown);
    }
    catch (err) {
        runner/* warning */.$e(`Could not write the job summary: ${(0,errors/* describeError */.Uc)(err)}`);
    }
}
/**
 * The end of the `run` input, one or several Redis: the report is published whatever the command
 * did, and the step then fails with the command's exit code when it failed.
 */
async function publishRun(report, settings, command) {
    if (command.startError)
        runner/* error */.z3(command.startError);
    await publish(report, settings);
    const code = (0,run_command/* exitCodeOf */.FO)(command);
    runner/* setOutput */.uH(constants/* Output */.k7.ExitCode, code);
    (0,state/* saveState */.L)(constants/* State */.Uw.ReportDone, true);
    if (code !== 0) {
        runner/* setFailed */.C1(`The command failed with exit code ${code}. The Redis memory report was written all the same.`);
        process.exitCode = code;
    }
}


/***/ })

};
