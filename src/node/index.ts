/**
 * The node: one process with its store, ledger, network, matching, deals and API, built in order and
 * closed in reverse.
 *
 * @example
 * initDataDir('/tmp/a', { ...defaultProfile, name: 'Buyer A' });
 * const node = await WeftNode.open({ ...defaultNodeOptions, dataDir: '/tmp/a', api: { ...defaultApiOptions, port: 0 } });
 * await node.start();
 * console.log(node.url);
 * await node.close();
 */
export * from './data-dir.js';
export * from './weft-node.js';
