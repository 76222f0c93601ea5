/**
 * One fix to the libp2p stack's hot read path, installed by `createP2pHost` before any connection.
 *
 * Every noise connection reads its frames through `LengthPrefixedDecoder` (@libp2p/utils). Its
 * `decode` loops "read a length prefix, yield the frame" until the length decoder throws a
 * `RangeError`, which it takes to mean "wait for more bytes". A read almost always ends on a frame
 * boundary, so each read of each connection ended in a `new RangeError` thrown on an empty buffer:
 * capturing its stack cost ~5 µs (7.2 against 1.8 µs per 1,202-byte frame read, measured on a
 * 2-vCPU VM), and `uint16BEDecode`, where it is thrown, was the largest self time (5.8%) of a
 * worker in the gossipsub phase of bench/broadcast at 500 nodes.
 *
 * The fix: an empty buffer holds no length prefix whatever the decoder, so the wrapped length
 * decoder throws one preallocated `RangeError` at once, which `decode` catches and drops exactly as
 * before. Nothing else changes: a partial prefix (one byte of two) still reaches the library's own
 * decoder. To drop when @libp2p/utils stops throwing on an empty buffer.
 */
import { LengthPrefixedDecoder, type LengthPrefixedDecoderInit } from '@libp2p/utils';

type LengthDecoder = NonNullable<LengthPrefixedDecoderInit['lengthDecoder']>;

/** Thrown for "no bytes yet"; never reaches a caller (decode catches every RangeError of its decoder). */
const EMPTY = new RangeError('no length prefix in an empty buffer');
const INSTALLED = Symbol.for('weft.noise-reads');

/** Wraps a length decoder so that an empty buffer fails without building an error. */
export function emptyFastLengthDecoder(decode: LengthDecoder): LengthDecoder {
  return (data) => {
    if (data.byteLength === 0) throw EMPTY;
    return decode(data);
  };
}

/** Installs the fix (idempotent): every LengthPrefixedDecoder wraps its length decoder on first use. */
export function installNoiseReadFix(): void {
  const proto = LengthPrefixedDecoder.prototype as unknown as Record<PropertyKey, unknown> & {
    decode: LengthPrefixedDecoder['decode'];
  };
  if (proto[INSTALLED]) return;
  const decode = proto.decode;
  const wrapped = new WeakSet<object>();
  proto.decode = function (this: LengthPrefixedDecoder, buf) {
    if (!wrapped.has(this)) {
      const self = this as unknown as { lengthDecoder: LengthDecoder };
      self.lengthDecoder = emptyFastLengthDecoder(self.lengthDecoder);
      wrapped.add(this);
    }
    return decode.call(this, buf);
  };
  proto[INSTALLED] = true;
}
