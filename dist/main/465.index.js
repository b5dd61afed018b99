export const id = 465;
export const ids = [465];
export const modules = {

/***/ 1465:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   provisionCluster: () => (/* binding */ provisionCluster)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9080);
/* harmony import */ var _options_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4293);
/* harmony import */ var _size_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(22);
/* harmony import */ var _cluster_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8689);
/**
 * `cluster-nodes: 3` (or 6): a throwaway local Redis Cluster for the job, in binary or container
 * mode. Reports every node as soon as it runs, so a cancelled job still removes what was started.
 */




/** Starts the cluster the settings ask for; refuses attach mode, naming the input to change. */
async function provisionCluster(s, nodes, timeoutMs, host, onStarted = () => { }, label = (n) => n) {
    if (s.mode === 'attach') {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UserError */ .yo(`${label(_options_js__WEBPACK_IMPORTED_MODULE_1__/* .ProvisionInput */ .Ke.ClusterNodes)}: starting a local Redis Cluster needs ${label(_options_js__WEBPACK_IMPORTED_MODULE_1__/* .ProvisionInput */ .Ke.Mode)}: binary or container. To watch a cluster that runs already, give any node's URL in ${label('redis-url')}.`);
    }
    const shape = (0,_cluster_js__WEBPACK_IMPORTED_MODULE_3__/* .clusterShape */ .CD)(nodes, label(_options_js__WEBPACK_IMPORTED_MODULE_1__/* .ProvisionInput */ .Ke.ClusterNodes));
    const cluster = await (0,_cluster_js__WEBPACK_IMPORTED_MODULE_3__/* .startCluster */ .Jp)({
        host,
        ...shape,
        redisServerPath: s.redisServerPath,
        ...(s.mode === 'container' ? { containers: { runtime: s.runtime, image: s.image, namePrefix: s.containerName, options: s.containerOptions } } : {}),
        maxmemory: s.maxmemory,
        maxmemoryPolicy: s.maxmemoryPolicy,
        password: s.password,
        redisArgs: s.redisArgs,
        timeoutMs,
        onStarted: (running) => onStarted({ kind: 'cluster', nodes: running, seedUrl: '', urls: [] })
    });
    const { readyMs, ...kept } = cluster;
    onStarted(kept);
    const what = s.mode === 'container' ? `in ${s.runtime} containers ${s.containerName}-1 to -${cluster.nodes.length}` : 'of redis-server processes';
    host.info(`A local Redis Cluster of ${shape.masters} masters${shape.replicasPerMaster ? ` and ${shape.masters} replicas` : ''} ${what} reached cluster_state:ok in ${(0,_size_js__WEBPACK_IMPORTED_MODULE_2__/* .formatDuration */ .a3)(readyMs)}.`);
    return cluster;
}


/***/ })

};
