/**
 * The stream fixes (network/p2p/stream-fixes.ts):
 * - noise reads: a read that ends on a frame boundary no longer asks the length decoder to decode an
 *   empty buffer, and the frames decoded are the same bytes, whatever the chunking;
 * - yamux: a window update goes out only once half the receive window is used (or with a flag), and
 *   flow control still carries megabytes both ways between two real hosts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream';
import { LengthPrefixedDecoder, lpStream } from '@libp2p/utils';
import { createP2pHost, defaultP2pOptions, type P2pHost } from '../../../src/network/p2p/host.js';
import {
  emptyFastLengthDecoder,
  installStreamFixes,
  windowUpdateDeferred,
} from '../../../src/network/p2p/stream-fixes.js';
import { generateKeyPair } from '../../../src/protocol/keys.js';

installStreamFixes();
installStreamFixes(); // idempotent: a second host must not wrap twice

/** noise's own length prefix: 2 bytes, big-endian. */
function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 2);
  out[0] = payload.length >> 8;
  out[1] = payload.length & 0xff;
  out.set(payload, 2);
  return out;
}

function uint16Decoder(calls: number[]) {
  return (data: Uint8Array | { byteLength: number; getUint16(i: number): number }) => {
    calls.push(data.byteLength);
    if (data.byteLength < 2) throw new RangeError('Could not decode int16BE');
    return data instanceof Uint8Array ? (data[0]! << 8) | data[1]! : data.getUint16(0);
  };
}

test('a read ending on a frame boundary never hands the length decoder an empty buffer', () => {
  const calls: number[] = [];
  const decoder = new LengthPrefixedDecoder({ lengthDecoder: uint16Decoder(calls), encodingLength: () => 2 });
  const a = randomBytes(1200);
  const b = randomBytes(300);
  const out = [...decoder.decode(Buffer.concat([frame(a), frame(b)]))].map((l) => Buffer.from(l.subarray()));
  assert.deepEqual(out, [a, b]);
  assert.deepEqual(calls, [1504, 302], 'one call per frame, none on the empty remainder');
  // Later reads of the same decoder keep working, and a lone prefix byte still reaches the decoder.
  const c = frame(randomBytes(10));
  assert.deepEqual([...decoder.decode(c.subarray(0, 1))], []);
  const rest = [...decoder.decode(c.subarray(1))].map((l) => Buffer.from(l.subarray()));
  assert.deepEqual(rest, [Buffer.from(c.subarray(2))]);
  assert.deepEqual(calls.slice(2), [1, 12]);
});

test('the same frames come out of any chunking of the stream', () => {
  const payloads = Array.from({ length: 200 }, (_, i) => randomBytes((i * 37) % 1500));
  const stream = Buffer.concat(payloads.map(frame));
  for (let run = 0; run < 50; run++) {
    const decoder = new LengthPrefixedDecoder({ lengthDecoder: uint16Decoder([]), encodingLength: () => 2 });
    const got: Buffer[] = [];
    for (let at = 0; at < stream.length; ) {
      const size = 1 + Math.floor(Math.random() * 3000 * Math.random());
      for (const l of decoder.decode(stream.subarray(at, at + size))) got.push(Buffer.from(l.subarray()));
      at += size;
    }
    assert.deepEqual(
      got,
      payloads.filter((p) => p.length > 0),
      `run ${run}`,
    );
  }
});

test('the wrapper throws one preallocated RangeError on an empty buffer and passes the rest through', () => {
  const inner = uint16Decoder([]);
  const wrapped = emptyFastLengthDecoder(inner);
  const e1 = catchError(() => wrapped(new Uint8Array(0)));
  const e2 = catchError(() => wrapped(new Uint8Array(0)));
  assert.ok(e1 instanceof RangeError);
  assert.equal(e1, e2, 'no new error (and no stack capture) per empty read');
  assert.equal(wrapped(Uint8Array.of(1, 2)), 258);
  assert.ok(catchError(() => wrapped(Uint8Array.of(1))) instanceof RangeError);
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected a throw');
}

test('a yamux stream sends a window update only below half its window, or with a flag', () => {
  const sent: { flag: number; length: number }[] = [];
  const stream = (state: StreamState, capacity: number) =>
    Object.assign(Object.create(YamuxStream.prototype) as YamuxStream, {
      state,
      recvWindow: 256 * 1024,
      recvWindowCapacity: capacity,
      epochStart: 0,
      getRTT: () => -1,
      sendFrame: (f: { flag: number; length: number }) => sent.push(f),
    });
  const update = (s: YamuxStream) => (s as unknown as { sendWindowUpdate(): void }).sendWindowUpdate();
  update(stream(StreamState.Established, 256 * 1024 - 1300)); // one gossip message in: no frame
  update(stream(StreamState.Established, 128 * 1024)); // exactly half left: still none
  assert.equal(sent.length, 0);
  update(stream(StreamState.Established, 128 * 1024 - 1)); // below half: the whole used part back
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.flag, 0);
  assert.equal(sent[0]!.length, 128 * 1024 + 1, 'the update gives back all the used window');
  update(stream(StreamState.SYNReceived, 256 * 1024 - 10)); // the ACK of a new stream goes at once
  assert.equal(sent.length, 2);
  assert.equal(sent[1]!.flag & 2, 2, 'ACK flag');
  update(stream(StreamState.Paused, 0)); // paused: the library sends nothing, as before
  assert.equal(sent.length, 2);
  assert.equal(
    windowUpdateDeferred({ state: StreamState.Init, recvWindow: 10, recvWindowCapacity: 10 }),
    false,
  );
  assert.equal(
    windowUpdateDeferred({ state: StreamState.Finished, recvWindow: 10, recvWindowCapacity: 5 }),
    true,
  );
});

test('flow control still moves megabytes both ways between two hosts (TCP, noise, yamux)', {
  timeout: 60_000,
}, async (t) => {
  const hosts: P2pHost[] = [];
  t.after(() => Promise.all(hosts.map((h) => h.stop())));
  for (let i = 0; i < 2; i++) {
    const host = await createP2pHost(
      { ...defaultP2pOptions, enabled: true, listen: ['/ip4/127.0.0.1/tcp/0'], loopbackCluster: true },
      { keys: generateKeyPair(), scoredTopics: [] },
    );
    await host.start();
    hosts.push(host);
  }
  const [a, b] = hosts as [P2pHost, P2pHost];
  const PROTOCOL = '/weft-test/echo/1';
  // b echoes every chunk back, so a's stream reads as much as it writes, each way through windows
  // far smaller than the transfer (256 KiB initial).
  await b.handle(PROTOCOL, async (stream) => {
    const lp = lpStream(stream, { maxDataLength: 64 * 1024 });
    try {
      for (;;) await lp.write((await lp.read()).subarray());
    } catch {
      // the stream ended
    }
  });
  const lp = lpStream(await a.dialProtocol(b.getMultiaddrs()[0]!, PROTOCOL), { maxDataLength: 64 * 1024 });
  const chunks = Array.from({ length: 96 }, (_, i) => randomBytes(1000 + ((i * 7919) % 40_000)));
  const total = chunks.reduce((n, c) => n + c.length, 0);
  assert.ok(total > 1.5 * 1024 * 1024);
  const reading = (async () => {
    const got: Buffer[] = [];
    for (let i = 0; i < chunks.length; i++) got.push(Buffer.from((await lp.read()).subarray()));
    return got;
  })();
  for (const c of chunks) await lp.write(c);
  const got = await Promise.race([
    reading,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('transfer stalled')), 30_000).unref(),
    ),
  ]);
  assert.deepEqual(got, chunks);
});
