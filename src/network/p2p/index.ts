/**
 * The peer-to-peer network: libp2p host, need broadcast over gossipsub, directory of signed node records.
 *
 * @example
 * const p2p = new P2pNetwork({ ...defaultP2pNetworkOptions, listen: ['/ip4/127.0.0.1/tcp/0'] }, deps);
 * await p2p.start();
 * await p2p.publishNeed(body, authorization, 'CN-GD');
 */
export * from './broadcast.js';
export * from './host.js';
export * from './p2p-network.js';
