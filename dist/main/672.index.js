export const id = 672;
export const ids = [672];
export const modules = {

/***/ 5672:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  ClusterSeed: () => (/* reexport */ cluster_seed/* ClusterSeed */.g),
  beginInAction: () => (/* binding */ beginInAction),
  clusterProbe: () => (/* binding */ clusterProbe),
  endInAction: () => (/* binding */ endInAction),
  multiConfig: () => (/* binding */ multiConfig),
  runInAction: () => (/* binding */ runInAction),
  watchedInstances: () => (/* binding */ watchedInstances)
});

// EXTERNAL MODULE: ./.tmp/bundle-src/action/runner.js
var runner = __webpack_require__(9138);
// EXTERNAL MODULE: ./.tmp/bundle-src/redis/instances.js
var instances = __webpack_require__(7263);
// EXTERNAL MODULE: ./.tmp/bundle-src/redis/tls.js
var tls = __webpack_require__(3626);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./.tmp/bundle-src/checks.js
var bundle_src_checks = __webpack_require__(982);
// EXTERNAL MODULE: ./.tmp/bundle-src/errors.js
var bundle_src_errors = __webpack_require__(9080);
// EXTERNAL MODULE: ./.tmp/bundle-src/redis/keyslot.js
var keyslot = __webpack_require__(304);
;// CONCATENATED MODULE: ./.tmp/bundle-src/keys/cluster.js
/**
 * Key analysis over several nodes (the masters of a cluster): prefixes merged across nodes, and
 * hash tags counted so the report can say which tag pins many keys to one slot. Pure: no I/O.
 */

/**
 * Counts keys by hash tag, fed one key at a time from the inventory's `onKey`. Bounded: past
 * `maxTags` distinct tags, new ones are counted only in `untrackedKeys`, since a suite that
 * tags every key with its own id would otherwise hold one entry per key.
 */
class HashTagTally {
    maxTags;
    tags = new Map();
    /** Keys with a tag that came after the map was full. */
    untrackedKeys = 0;
    /** Keys with any hash tag. */
    taggedKeys = 0;
    /** Every key counted, tagged or not. */
    totalKeys = 0;
    constructor(maxTags = 10_000) {
        this.maxTags = maxTags;
    }
    add(key, bytes) {
        this.totalKeys++;
        const tag = (0,keyslot/* hashTagOf */.Ui)(key);
        if (tag === null)
            return;
        this.taggedKeys++;
        const entry = this.tags.get(tag);
        if (entry) {
            entry.keys++;
            entry.bytes += bytes;
        }
        else if (this.tags.size < this.maxTags) {
            this.tags.set(tag, { keys: 1, bytes });
        }
        else {
            this.untrackedKeys++;
        }
    }
    /** Tags by keys, most first. */
    top(n = 10) {
        return [...this.tags]
            .map(([tag, v]) => ({ tag, slot: (0,keyslot/* keySlot */.Qj)(tag), keys: v.keys, bytes: v.bytes }))
            .sort((a, b) => b.keys - a.keys || b.bytes - a.bytes || (a.tag < b.tag ? -1 : 1))
            .slice(0, n);
    }
}
/**
 * Merges per-node inventories into one list of prefixes, largest bytes first (keys where the
 * server has no MEMORY USAGE). A prefix spread over the masters adds up; each keeps its per-node split.
 */
function mergeInventories(byNode) {
    const merged = new Map();
    for (const [node, inv] of Object.entries(byNode)) {
        for (const g of inv.groups) {
            const id = `${g.db}\u0000${g.prefix}`;
            let m = merged.get(id);
            if (!m) {
                m = { db: g.db, prefix: g.prefix, keys: 0, bytes: 0, byNode: {}, estimated: false };
                merged.set(id, m);
            }
            m.keys += g.keys;
            m.bytes += g.bytes;
            m.estimated ||= g.estimated;
            const here = (m.byNode[node] ??= { keys: 0, bytes: 0 });
            here.keys += g.keys;
            here.bytes += g.bytes;
        }
    }
    return [...merged.values()].sort((a, b) => b.bytes - a.bytes || b.keys - a.keys || (a.prefix < b.prefix ? -1 : 1));
}

// EXTERNAL MODULE: ./.tmp/bundle-src/keys/prefix.js
var prefix = __webpack_require__(5298);
// EXTERNAL MODULE: ./.tmp/bundle-src/redis/topology.js
var topology = __webpack_require__(6806);
// EXTERNAL MODULE: ./.tmp/bundle-src/redis/target.js
var redis_target = __webpack_require__(4370);
// EXTERNAL MODULE: ./.tmp/bundle-src/size.js
var size = __webpack_require__(22);
;// CONCATENATED MODULE: ./.tmp/bundle-src/nodes.js
/**
 * Several instances and cluster nodes in one report, as data: one row of figures per node, the
 * totals, and findings that always name the instance (and node) they are about, since memory
 * and OOM are per node: one full shard refuses writes while the cluster's total looks fine.
 * Pure: snapshots and key analyses in, figures and sentences out (plain text; key prefixes and
 * hash tags in them come from Redis, so the renderer escapes them like any key name).
 */





/** Figures of one node from its two snapshots, judged the way a single server is (judge in checks.ts). */
function nodeFigures(n) {
    const base = {
        instance: n.instance,
        address: n.node ? (0,redis_target/* hostPort */.QL)(n.node) : null,
        node: n.node ? (0,topology/* describeNode */.WQ)(n.node) : null,
        role: n.node?.role ?? null
    };
    if (n.after === null) {
        return { ...base, reached: false, restarted: false, usedMemory: null, peakMemory: null, maxmemory: null, datasetBytes: null, oomErrors: null, evictedKeys: null, keys: null };
    }
    const j = (0,bundle_src_checks/* judge */.S4)(n.before, n.after, bundle_src_checks/* DEFAULT_THRESHOLDS */.JJ, n.obs ?? {});
    const mem = n.after.memory;
    const dataset = mem.usedMemoryDataset ?? (mem.usedMemory !== null && mem.usedMemoryStartup !== null ? Math.max(0, mem.usedMemory - mem.usedMemoryStartup) : null);
    return {
        ...base,
        reached: true,
        restarted: (0,bundle_src_checks/* restarted */.BA)(n.before, n.after),
        usedMemory: mem.usedMemory,
        peakMemory: j.peak.bytes,
        // 0 means "no limit" to Redis: unknown as a limit, not a limit of zero bytes.
        maxmemory: mem.maxmemory === null || mem.maxmemory === 0 ? null : mem.maxmemory,
        datasetBytes: dataset,
        oomErrors: j.oomErrors,
        evictedKeys: j.evictedKeys,
        keys: Object.values(n.after.keyspace).reduce((s, d) => s + d.keys, 0)
    };
}
/** Totals over rows (of one instance, or of all). */
function totalsOf(rows) {
    let complete = true;
    const sum = (pick, which = rows) => {
        let total = 0;
        let any = false;
        for (const r of which) {
            const v = pick(r);
            if (v === null)
                complete = false;
            else {
                total += v;
                any = true;
            }
        }
        return any ? total : null;
    };
    const reached = rows.filter((r) => r.reached);
    const unreached = rows.length - reached.length;
    if (unreached > 0)
        complete = false;
    return {
        nodes: rows.length,
        unreached,
        usedMemory: sum((r) => r.usedMemory),
        // One node without a limit means the whole has none; that is a setting, not a figure missing.
        maxmemory: reached.length === 0 || reached.some((r) => r.maxmemory === null) ? null : reached.reduce((s, r) => s + r.maxmemory, 0),
        oomErrors: sum((r) => r.oomErrors),
        evictedKeys: sum((r) => r.evictedKeys),
        keys: sum((r) => r.keys, rows.filter((r) => r.role !== 'replica')),
        complete
    };
}
/** How a row is named in a sentence: `queue`, or `cluster 127.0.0.1:7001 (master, slots 0-5460)`. */
function rowName(r) {
    return r.node === null ? r.instance : `${r.instance} ${r.node}`;
}
/**
 * One sentence per thing worth knowing about each row, each starting with the row's name:
 * OOM errors, evictions, a restart, a node not reached, a figure that could not be read.
 */
function nodeFindings(rows) {
    const out = [];
    for (const r of rows) {
        const name = rowName(r);
        if (!r.reached) {
            out.push(`${name}: could not be reached after the step; its figures are unknown.`);
            continue;
        }
        if (r.oomErrors === null)
            out.push(`${name}: OOM errors unknown (this server does not count them, or there is no "before" snapshot).`);
        else if (r.oomErrors > 0)
            out.push(`${name}: ${(0,bundle_src_checks/* plural */.LS)(r.oomErrors, 'OOM error')}.`);
        if (r.evictedKeys !== null && r.evictedKeys > 0)
            out.push(`${name}: ${(0,bundle_src_checks/* plural */.LS)(r.evictedKeys, 'key')} evicted.`);
        if (r.restarted)
            out.push(`${name}: restarted during the step; its counters count from the restart.`);
    }
    return out;
}
/**
 * For a cluster whose memory is per shard: OOM on some masters while the cluster as a whole is far
 * below the sum of maxmemory. Null when no master refused writes.
 */
function shardOomFinding(instance, rows) {
    const masters = rows.filter((r) => r.instance === instance && r.role === 'master');
    const full = masters.filter((r) => (r.oomErrors ?? 0) > 0);
    if (full.length === 0)
        return null;
    const t = totalsOf(masters);
    const errors = full.reduce((s, r) => s + (r.oomErrors ?? 0), 0);
    const where = full.map((r) => r.address).join(', ');
    const total = t.usedMemory !== null && t.maxmemory !== null
        ? `, while the masters together used ${(0,size/* formatBytes */.z3)(t.usedMemory)} of ${(0,size/* formatBytes */.z3)(t.maxmemory)} maxmemory (${Math.round((100 * t.usedMemory) / t.maxmemory)}%)`
        : '';
    return (`${instance}: ${(0,bundle_src_checks/* plural */.LS)(errors, 'OOM error')} on ${full.length} of ${masters.length} masters (${where})${total}: ` +
        `memory is per shard, so one full shard refuses writes for its slots however much room the others have.`);
}
/**
 * A master is "heavy" when it holds at least half of the masters' dataset bytes (or keys) and at
 * least 1.5× an even share: for three masters, half; for two, three quarters.
 */
function findImbalance(rows, opts = {}) {
    const out = [];
    const instances = [...new Set(rows.map((r) => r.instance))];
    for (const instance of instances) {
        const masters = rows.filter((r) => r.instance === instance && r.role === 'master' && r.reached && r.address !== null);
        if (masters.length < 2)
            continue;
        const threshold = Math.max(0.5, 1.5 / masters.length);
        for (const measure of ['bytes', 'keys']) {
            const value = (r) => (measure === 'bytes' ? r.datasetBytes : r.keys);
            if (masters.some((r) => value(r) === null))
                continue;
            const total = masters.reduce((s, r) => s + value(r), 0);
            const floor = measure === 'bytes' ? (opts.minBytes ?? 1024 * 1024) : (opts.minKeys ?? 1000);
            if (total < floor)
                continue;
            const heavy = masters.reduce((a, b) => (value(b) > value(a) ? b : a));
            const share = value(heavy) / total;
            if (share < threshold)
                continue;
            // Bytes and keys usually point at the same node; one finding for it is enough.
            if (out.some((o) => o.instance === instance && o.address === heavy.address))
                continue;
            const prefixes = heavyPrefixes(heavy.address, opts.merged ?? []);
            const amount = measure === 'bytes' ? `${(0,size/* formatBytes */.z3)(value(heavy))} of ${(0,size/* formatBytes */.z3)(total)}` : `${(0,size/* formatCount */.B4)(value(heavy))} of ${(0,bundle_src_checks/* plural */.LS)(total, 'key')}`;
            const why = prefixes.length > 0 ? `; mostly ${prefixes.map((p) => `${(0,prefix/* keyName */.xT)(p.prefix).key} (${Math.round(p.share * 100)}% of it there)`).join(', ')}` : '';
            out.push({
                instance,
                address: heavy.address,
                measure,
                share,
                value: value(heavy),
                total,
                prefixes,
                finding: `${instance}: master ${heavy.address} holds ${Math.round(share * 100)}% of the masters' ${measure === 'bytes' ? 'data' : 'keys'} (${amount})${why}.`
            });
        }
    }
    return out;
}
/** Prefixes mostly on `address`, largest there first (at most 5). */
function heavyPrefixes(address, merged) {
    const withBytes = merged.some((g) => g.bytes > 0);
    return merged
        .map((g) => {
        const here = g.byNode[address] ?? { keys: 0, bytes: 0 };
        const share = withBytes ? (g.bytes > 0 ? here.bytes / g.bytes : 0) : g.keys > 0 ? here.keys / g.keys : 0;
        return { db: g.db, prefix: g.prefix, keys: here.keys, bytes: here.bytes, share };
    })
        .filter((p) => p.share >= 0.5 && (withBytes ? p.bytes > 0 : p.keys > 0))
        .sort((a, b) => (withBytes ? b.bytes - a.bytes : b.keys - a.keys))
        .slice(0, 5);
}
/**
 * Hash tags that pin many keys to one slot: at least `minKeys` keys and `minShare` of all keys
 * scanned. `nodes` maps the slot to the master serving it.
 */
function hashTagFindings(instance, tags, totalKeys, nodes = [], opts = {}) {
    const minKeys = opts.minKeys ?? 100;
    const minShare = opts.minShare ?? 0.1;
    return tags
        .filter((t) => t.keys >= minKeys && totalKeys > 0 && t.keys / totalKeys >= minShare)
        .map((t) => {
        const owner = nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => t.slot >= a && t.slot <= b));
        const on = owner ? ` on ${(0,redis_target/* hostPort */.QL)(owner)}` : '';
        return `${instance}: hash tag {${(0,prefix/* keyName */.xT)(t.tag).key}} pins ${(0,bundle_src_checks/* plural */.LS)(t.keys, 'key')} (${Math.round((100 * t.keys) / totalKeys)}% of all) to slot ${t.slot}${on}.`;
    });
}
/** The sentence for a Sentinel failover found by asking the sentinels again; null when the master stayed. */
function failoverFinding(instance, check) {
    if (!check.failedOver)
        return null;
    return (`${instance}: the master failed over from ${(0,redis_target/* hostPort */.QL)(check.previous)} to ${(0,redis_target/* hostPort */.QL)(check.current)} during the step; ` +
        `figures after it are the new master's, and counters of the old one are not included.`);
}
/** Figures, totals and findings for every instance, in the order the instances were given. */
function summarizeInstances(input) {
    const rows = input.nodes.map(nodeFigures);
    const names = [...new Set(rows.map((r) => r.instance))];
    const findings = [];
    const imbalance = [];
    const instances = names.map((name) => {
        const own = rows.filter((r) => r.instance === name);
        const cluster = own.some((r) => r.node !== null);
        const failover = input.failovers?.[name];
        const failoverText = failover ? failoverFinding(name, failover) : null;
        if (failoverText)
            findings.push(failoverText);
        const shard = cluster ? shardOomFinding(name, own) : null;
        findings.push(...nodeFindings(own));
        if (shard)
            findings.push(shard);
        if (cluster) {
            const found = findImbalance(own, { merged: input.merged?.[name] });
            imbalance.push(...found);
            findings.push(...found.map((f) => f.finding));
            const tags = input.hashTags?.[name];
            const nodes = input.nodes.filter((n) => n.instance === name && n.node !== null).map((n) => n.node);
            if (tags)
                findings.push(...hashTagFindings(name, tags.tags, tags.totalKeys, nodes));
        }
        return { name, cluster, totals: totalsOf(own) };
    });
    return { rows, instances, total: totalsOf(rows), imbalance, findings };
}

// EXTERNAL MODULE: ./.tmp/bundle-src/step/engine.js + 19 modules
var engine = __webpack_require__(4718);
// EXTERNAL MODULE: ./.tmp/bundle-src/run/command.js + 1 modules
var run_command = __webpack_require__(1014);
// EXTERNAL MODULE: ./.tmp/bundle-src/step/cluster-seed.js
var cluster_seed = __webpack_require__(3168);
;// CONCATENATED MODULE: ./.tmp/bundle-src/step/multi.js
/**
 * Several Redis instances, a Redis Cluster or a Sentinel-managed master in one step: a layer over
 * the single-instance engine (engine.ts). Each server the instances stand for gets its own begun
 * step (work folder, "before" snapshot, sampler), the key analysis runs on masters only (a
 * replica holds copies of its master's keys), and `judgeMulti` folds the per-node reports into one
 * report whose verdict is the worst node's and whose checks name the instance they are about.
 * With exactly one plain instance the front ends do not come here: that path stays as it was.
 */











/** True when the parsed redis-url needs this layer: more than one instance, or one behind Sentinel. */
function needsMulti(specs) {
    return specs.length > 1 || specs.some((s) => s.kind === 'sentinel');
}
/** The name a node's lines and findings carry: `queue`, or `cache 127.0.0.1:7001`. */
function nodeLabel(n) {
    return n.node === null ? n.instance : `${n.instance} ${(0,redis_target/* hostPort */.QL)(n.node)}`;
}
/** A host whose lines say which node they are about. */
function labelledHost(host, label) {
    return {
        ...host,
        info: (line) => host.info(`[${label}] ${line}`),
        warn: (line) => host.warn(`[${label}] ${line}`),
        debug: (line) => host.debug(`[${label}] ${line}`),
        progress: (line) => host.progress(`[${label}] ${line}`),
        group: (title, fn) => host.group(`[${label}] ${title}`, fn)
    };
}
function nodeConfig(config, n, workDir) {
    const target = config.withTls ? config.withTls(n.target) : n.target;
    // Replicas hold their masters' keys: scanning them would count every key twice.
    const keys = n.node?.role === 'replica' ? { ...config.keys, enabled: false } : config.keys;
    return {
        target,
        connectTimeoutMs: config.connectTimeoutMs,
        keys,
        sampling: { ...config.sampling, ...(target.tls ? {} : { tls: undefined }) },
        workDir
    };
}
/** Turns the instances into the servers to watch (cluster expansion, Sentinel), saying what it found. */
async function resolveNodes(specs, config, host) {
    const opts = { cluster: config.cluster, connectTimeoutMs: config.connectTimeoutMs, onRetry: (attempt, reason) => host.info(`Attempt ${attempt}: ${reason}; retrying`) };
    const perSpec = await Promise.all(specs.map(async (spec) => {
        try {
            return await (0,topology/* resolveInstances */.JK)([spec], opts);
        }
        catch (err) {
            // A plain server that cannot be reached is still watched (and reported as not reached); the others go on.
            if (spec.kind === 'direct' && err instanceof bundle_src_errors/* ConnectionError */.Rc)
                return [{ instance: spec.name, node: null, target: spec.target }];
            throw err;
        }
    }));
    const nodes = perSpec.flat();
    for (const spec of specs) {
        const own = nodes.filter((n) => n.instance === spec.name);
        if (own.length > 1)
            host.info(`${spec.name}: a Redis Cluster of ${own.filter((n) => n.node?.role === 'master').length} masters and ${own.filter((n) => n.node?.role === 'replica').length} replicas; watching every node.`);
        const s = own[0]?.sentinel;
        if (s)
            host.info(`${spec.name}: the sentinel at ${(0,redis_target/* hostPort */.QL)(s.resolution.sentinel)} names the master ${(0,redis_target/* hostPort */.QL)(s.resolution)}.`);
    }
    return nodes;
}
/**
 * Begins one step per node, all at once (the masters' key inventories run in parallel). A node
 * that cannot be begun is remembered with its error, so the report names it rather than hiding it;
 * when no node at all could be begun, the first error is thrown (as the single path does).
 */
async function beginMulti(specs, config, host, opts = {}) {
    const watched = await resolveNodes(specs, config, host);
    // Every server's limits as soon as they are set: the front end saves the whole list each time.
    const applied = { kind: 'attach-nodes', nodes: [] };
    const nodes = await Promise.all(watched.map(async (w, i) => {
        const label = nodeLabel(w);
        const base = {
            instance: w.instance,
            node: w.node,
            target: w.target,
            begun: null,
            ...(w.sentinel ? { sentinel: { spec: w.sentinel.spec, previous: { host: w.sentinel.resolution.host, port: w.sentinel.resolution.port } } } : {})
        };
        try {
            const dir = (0,external_node_path_.join)(config.workDir, `node-${i}`);
            await (0,promises_.mkdir)(dir, { recursive: true });
            const { onLimits, ...begin } = opts;
            const { begun } = await (0,engine/* beginStep */.Uz)(nodeConfig(config, w, dir), labelledHost(host, label), {
                ...begin,
                onLimits: (limits) => {
                    applied.nodes.push({ ...limits, url: w.target.url, label });
                    onLimits?.({ ...applied, nodes: [...applied.nodes] });
                }
            });
            return { ...base, begun };
        }
        catch (err) {
            return { ...base, beginError: (0,bundle_src_errors/* describeError */.Uc)(err) };
        }
    }));
    const failed = nodes.filter((n) => n.begun === null);
    // Nothing to watch at all: fail the way the single path does, with the reason in one line.
    if (failed.length === nodes.length)
        throw new bundle_src_errors/* UserError */.yo(`${nodeLabel(failed[0])}: ${failed[0].beginError}`);
    for (const f of failed)
        host.warn(`${nodeLabel(f)}: the start of the step failed (${f.beginError}); it is reported as not observed.`);
    return { kind: 'multi', nodes };
}
/**
 * Ends every node's step at once. A Sentinel instance asks its sentinels again first: after a
 * failover, the "after" snapshot is taken of the new master. Never throws.
 */
/**
 * A whole step over several nodes around one command (the action's `run` input, the CLI's `run`):
 * begin every node, run the command once (its REDIS_URL is the first node), end every node.
 */
async function runMultiStep(specs, config, host, watched, begin = {}) {
    const begun = await beginMulti(specs, config, host, begin);
    host.info(`Watching ${begun.nodes.length} Redis servers; running the command, the report follows when it ends.`);
    const command = await (0,run_command/* runCommand */.d1)({
        command: watched.command,
        env: (0,run_command/* commandEnv */.zz)(watched.env, begun.nodes[0].target, watched.startedForRun),
        // Every node's password, kept out of the command text in the report.
        hide: [...new Set(begun.nodes.map((n) => n.target.password).filter((p) => Boolean(p)))],
        stdout: watched.stdout,
        onSpawn: watched.onSpawn
    });
    const { startError: _startError, ...report } = command;
    const record = await endMulti(begun, config, host, { command: report });
    return { begun, record, command };
}
async function endMulti(begun, config, host, opts = {}) {
    const failovers = {};
    const errors = [];
    // One tally per cluster instance over all its masters: a tag pins its keys to one slot.
    const tallies = new Map();
    for (const n of begun.nodes)
        if (n.node?.role === 'master' && !tallies.has(n.instance))
            tallies.set(n.instance, new HashTagTally());
    const records = await Promise.all(begun.nodes.map(async (n, i) => {
        const label = nodeLabel(n);
        let target = n.target;
        if (n.sentinel) {
            try {
                const check = await (0,topology/* checkFailover */.fL)(n.sentinel.spec, n.sentinel.previous, { timeoutMs: Math.min(config.connectTimeoutMs, 10_000) });
                failovers[n.instance] = check;
                if (check.failedOver) {
                    host.warn(`${n.instance}: the master failed over from ${(0,redis_target/* hostPort */.QL)(check.previous)} to ${(0,redis_target/* hostPort */.QL)(check.current)} during the step; the "after" snapshot is the new master's.`);
                    target = check.current.target;
                }
            }
            catch (err) {
                errors.push(`${n.instance}: could not ask the sentinels again after the step (${(0,bundle_src_errors/* describeError */.Uc)(err)}); a failover would go unnoticed.`);
            }
        }
        const cfg = nodeConfig(config, { node: n.node, target }, n.begun?.workDir ?? (0,external_node_path_.join)(config.workDir, `node-${i}`));
        // The command ran once for all nodes: its OOM lines cannot be told apart per node, so it goes on the whole report.
        const { command: _command, ...nodeOpts } = opts;
        const record = await (0,engine/* endStep */.Cs)(cfg, n.begun, labelledHost(host, label), {
            ...nodeOpts,
            errors: [...(opts.errors ?? []), ...(n.beginError ? [`The start of the step failed: ${n.beginError}`] : [])],
            beginFailed: Boolean(opts.beginFailed) || n.beginError !== undefined,
            target: cfg.target,
            ...(n.node?.role === 'master' ? { seeKey: (_db, key, bytes) => tallies.get(n.instance)?.add(key, bytes) } : {})
        });
        return { instance: n.instance, node: n.node, record };
    }));
    const hashTags = Object.fromEntries([...tallies].map(([instance, t]) => [instance, { tags: t.top(10), totalKeys: t.totalKeys }]));
    return { nodes: records, failovers, merged: mergedPrefixes(records), errors, hashTags, ...(opts.command ? { command: opts.command } : {}) };
}
/** The CLI's `snapshot` and `keys` over several instances: one moment of every node. */
async function observeMulti(specs, config, host, opts) {
    const watched = await resolveNodes(specs, config, host);
    const errors = [];
    const records = await Promise.all(watched.map(async (w) => {
        const target = config.withTls ? config.withTls(w.target) : w.target;
        const keys = opts.keys && w.node?.role !== 'replica';
        try {
            const record = await observeNow({ target, connectTimeoutMs: config.connectTimeoutMs, keys: config.keys }, labelledHost(host, nodeLabel(w)), { keys });
            return { instance: w.instance, node: w.node, record };
        }
        catch (err) {
            const record = { target, before: null, after: null, errors: [`Not reached: ${describeError(err)}`], sampled: { observations: {} }, keys: null };
            return { instance: w.instance, node: w.node, record };
        }
    }));
    return { nodes: records, failovers: {}, merged: mergedPrefixes(records), errors };
}
/** Per cluster instance, its masters' prefixes merged (from each master's largest prefixes). */
function mergedPrefixes(records) {
    const out = {};
    const instances = [...new Set(records.filter((r) => r.node !== null).map((r) => r.instance))];
    for (const instance of instances) {
        const byNode = {};
        for (const r of records) {
            if (r.instance !== instance || r.node?.role !== 'master' || !r.record.keys)
                continue;
            const keys = r.record.keys.keys;
            const list = keys.largestPrefixes?.list ?? keys.topPrefixesByMemory;
            byNode[(0,redis_target/* hostPort */.QL)(r.node)] = { groups: list.map((g) => ({ db: g.db, prefix: g.prefix, keys: g.keys, bytes: g.bytes, estimated: g.estimated })) };
        }
        if (Object.keys(byNode).length > 0)
            out[instance] = mergeInventories(byNode);
    }
    return out;
}
const RANK = { pass: 0, warn: 1, fail: 2 };
/**
 * Judges every node with the same thresholds and folds the reports into one: the verdict is the
 * worst node's, the top-level figures are that node's, every check and error names its node, and
 * `max-used-memory` is also applied to the total of all nodes' used memory.
 */
function judgeMulti(record, thresholds, extra) {
    const judged = record.nodes.map((n) => ({ n, report: (0,engine/* judgeStep */.c4)(n.record, thresholds, extra) }));
    const summary = summarizeInstances({
        nodes: record.nodes.map((n) => ({
            instance: n.instance,
            node: n.node,
            before: n.record.before,
            after: n.record.after,
            obs: (0,engine/* observationsOf */.bG)(n.record)
        })),
        merged: record.merged,
        failovers: record.failovers,
        ...(record.hashTags ? { hashTags: record.hashTags } : {})
    });
    const worst = judged.reduce((a, b) => (RANK[b.report.verdict] > RANK[a.report.verdict] ? b : a));
    const checks = judged.flatMap(({ n, report }) => report.checks.map((c) => ({ ...c, message: `${nodeLabel(n)}: ${c.message}` })));
    const total = totalUsedMemoryCheck(summary.total.usedMemory, summary.total.complete, thresholds);
    if (total)
        checks.push(total);
    const errors = [...record.errors, ...judged.flatMap(({ n, report }) => report.errors.map((e) => `${nodeLabel(n)}: ${e}`))];
    const sum = (pick) => judged.some(({ report }) => pick(report) === null) ? null : judged.reduce((s, { report }) => s + pick(report), 0);
    const statusVerdict = (0,bundle_src_checks/* verdictOf */.Vj)(checks, thresholds.failOn);
    const nodeVerdict = worst.report.verdict;
    const verdict = RANK[statusVerdict] > RANK[nodeVerdict] ? statusVerdict : nodeVerdict;
    const leakedByDb = {};
    for (const { report } of judged)
        for (const [db, k] of Object.entries(report.leakedKeysByDb))
            leakedByDb[db] = (leakedByDb[db] ?? 0) + k;
    const instances = {
        ...summary,
        nodes: judged.map(({ n, report }) => ({
            instance: n.instance,
            address: n.node ? (0,redis_target/* hostPort */.QL)(n.node) : null,
            target: report.target.url,
            verdict: report.verdict,
            checks: report.checks,
            errors: report.errors
        })),
        totalLimit: total ? { maxUsedMemory: total.limit, usedMemory: total.measured, status: total.status } : null
    };
    // The command's own OOM lines: counted once for the whole step, since they cannot name a node.
    const commandOom = record.command?.oomLines ?? 0;
    if (commandOom > 0 && (summary.total.oomErrors ?? 0) < commandOom) {
        errors.push(`The command printed ${commandOom} OOM error lines, more than the nodes counted; which node refused them is unknown.`);
    }
    const { command: _nodeCommand, ...top } = worst.report;
    return {
        ...top,
        ...(record.command ? { command: record.command } : {}),
        verdict: errors.length > 0 && verdict === 'pass' ? 'warn' : verdict,
        oomErrors: sum((r) => r.oomErrors),
        rejectedCalls: sum((r) => r.rejectedCalls),
        evictedKeys: sum((r) => r.evictedKeys),
        leakedKeys: sum((r) => r.leakedKeys),
        leakedKeysByDb: leakedByDb,
        checks,
        // The findings are in `instances.findings`, shown with the per-node table: not repeated here.
        notes: [...judged.flatMap(({ n, report }) => report.notes.map((x) => `${nodeLabel(n)}: ${x}`))],
        errors,
        instances
    };
}
/** `max-used-memory` over the sum of every node's used memory: stated as applying to the total too. */
function totalUsedMemoryCheck(used, complete, t) {
    const limit = t.maxUsedMemory;
    if (limit === undefined)
        return null;
    const status = t.failOn.has('used-memory') ? 'fail' : 'warn';
    if (used === null || !complete) {
        const reason = 'a node could not be reached or did not report used_memory';
        return { check: 'used-memory', status: 'unknown', measured: used, limit, unit: 'bytes', message: `all instances: the total could not be checked: ${reason}.`, reason };
    }
    if (used > limit) {
        return {
            check: 'used-memory',
            status,
            measured: used,
            limit,
            unit: 'bytes',
            message: `all instances: used memory was ${(0,size/* formatBytes */.z3)(used)} in total, over the limit of ${(0,size/* formatBytes */.z3)(limit)} (max-used-memory applies to each instance and to the total).`,
            advice: 'Free memory between tests, or raise max-used-memory if the suite needs it.'
        };
    }
    return {
        check: 'used-memory',
        status: 'pass',
        measured: used,
        limit,
        unit: 'bytes',
        message: `all instances: used memory was ${(0,size/* formatBytes */.z3)(used)} in total, within the limit of ${(0,size/* formatBytes */.z3)(limit)} (max-used-memory applies to each instance and to the total).`
    };
}
/** Tells the saved begun step of several nodes from a single one (the action's state holds either). */
function isBegunMulti(b) {
    return b !== null && 'kind' in b && b.kind === 'multi';
}


// EXTERNAL MODULE: ./.tmp/bundle-src/provision/index.js
var provision = __webpack_require__(3279);
// EXTERNAL MODULE: ./.tmp/bundle-src/action/constants.js
var constants = __webpack_require__(7043);
// EXTERNAL MODULE: ./.tmp/bundle-src/action/host.js
var host = __webpack_require__(7326);
// EXTERNAL MODULE: ./.tmp/bundle-src/action/publish.js + 20 modules
var publish = __webpack_require__(9822);
// EXTERNAL MODULE: ./.tmp/bundle-src/action/state.js
var state = __webpack_require__(1627);
;// CONCATENATED MODULE: ./.tmp/bundle-src/action/multi.js
/**
 * The action's side of several instances, a Redis Cluster or Sentinel: the main step begins one
 * step per node (or runs the `run` command around them), the post step ends and judges them. The
 * engine work is in src/step/multi.ts; this file reads settings, saves state and publishes.
 */










/** Checks, on the single path's first connection, whether its server is a cluster node (with `cluster: auto`). */
function clusterProbe(settings) {
    return (0,cluster_seed/* clusterProbe */.j)(settings.multi.cluster);
}
/** The engine's configuration for several nodes, from the inputs. */
function multiConfig(settings, workDir) {
    return {
        connectTimeoutMs: settings.connectTimeoutMs,
        keys: settings.keys,
        sampling: { intervalMs: settings.sampleIntervalMs, maxLifeMs: settings.sampleMaxDurationMs, tls: settings.tls },
        workDir,
        cluster: settings.multi.cluster,
        withTls: (t) => (t.tls ? (0,tls/* withTls */.eD)(t, settings.tls) : t)
    };
}
/** Attach mode's maxmemory / maxmemory-policy for every server, saved for the post step to set back on each. */
function limitsOf(settings) {
    const limits = (0,provision/* attachLimits */.gf)(settings.provisioning);
    return limits ? { limits, onLimits: (all) => (0,state/* saveState */.L)(constants/* State */.Uw.Provisioned, all) } : {};
}
/** The instances to watch: a cluster the action started stands for itself through its seed. */
function watchedInstances(settings, started) {
    return started ? (0,instances/* parseInstances */.g1)(started.seedUrl) : settings.multi.instances;
}
/** The main step without `run`: begins every node's step and leaves them to the post step. */
async function beginInAction(settings, specs, workDir) {
    const begun = await beginMulti(specs, multiConfig(settings, workDir), host/* actionHost */.L, { ...limitsOf(settings), samplerOutlivesProcess: true });
    (0,state/* saveState */.L)(constants/* State */.Uw.Step, begun);
    runner/* info */.pq(`Watching ${begun.nodes.length} Redis servers; the report follows at the end of the job, in the post step.`);
}
/** The `run` input over several nodes: the whole step around the command, then the report. */
async function runInAction(settings, specs, workDir, startedForRun) {
    const { begun, record, command } = await runMultiStep(specs, multiConfig(settings, workDir), host/* actionHost */.L, { command: { shell: settings.run }, env: process.env, startedForRun }, limitsOf(settings));
    (0,state/* saveState */.L)(constants/* State */.Uw.Step, begun);
    await (0,publish.publishRun)(judgeMulti(record, settings.thresholds), settings, command);
}
/** The post step's part: end every node's step, judge them as one, publish. */
async function endInAction(settings, begun, workDir, mainError) {
    const record = await endMulti(begun, multiConfig(settings, workDir), host/* actionHost */.L, {
        errors: mainError ? [`The main step failed: ${mainError}`] : [],
        beginFailed: mainError !== ''
    });
    await (0,publish.publish)(judgeMulti(record, settings.thresholds), settings);
}


/***/ })

};
