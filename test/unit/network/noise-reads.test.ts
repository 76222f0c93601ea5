/**
 * The noise read fix (network/p2p/noise-reads.ts): a read that ends on a frame boundary no longer
 * asks the length decoder to decode an empty buffer, and the frames decoded are the same bytes,
 * whatever the chunking.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { LengthPrefixedDecoder } from '@libp2p/utils';
import { emptyFastLengthDecoder, installNoiseReadFix } from '../../../src/network/p2p/noise-reads.js';

installNoiseReadFix();
installNoiseReadFix(); // idempotent: a second host must not wrap twice

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
