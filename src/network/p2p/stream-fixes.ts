/**
 * Two fixes to the hot path of the libp2p stream stack, installed by `createP2pHost` before any
 * connection (`installStreamFixes`). Both keep the libraries' behaviour and drop work that bought
 * nothing; each says when it can go.
 *
 * ## Noise reads (@libp2p/utils 7.4.1, used by @chainsafe/libp2p-noise 17.0.0)
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
 *
 * ## Yamux window updates (@chainsafe/libp2p-yamux 8.0.1)
 *
 * A yamux receiver grants its sender more window with a WindowUpdate frame. This version sent one
 * after every data frame it received (its "no update needed" test compares the capacity left with
 * the whole window, which a frame just took from), so each gossip message (~1.3 KB) cost a second
 * frame back: noise-encrypted, written, read and decrypted like any other. hashicorp/yamux, the
 * reference implementation, sends an update only once the capacity left has fallen below half the
 * window (session.go, `sendWindowUpdate`: `if delta < (max / 2) && flags == 0 { return }`), as here.
 * The sender still has at least half a window (128 KiB by default) when the update leaves, so no
 * writer waits. Updates that carry a flag (SYN/ACK of a new stream) and the paused case go to the
 * library as before. To drop when the library stops answering every frame.
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream';
import { LengthPrefixedDecoder, type LengthPrefixedDecoderInit } from '@libp2p/utils';

type LengthDecoder = NonNullable<LengthPrefixedDecoderInit['lengthDecoder']>;

/** Thrown for "no bytes yet"; never reaches a caller (decode catches every RangeError of its decoder). */
const EMPTY = new RangeError('no length prefix in an empty buffer');
const INSTALLED = Symbol.for('weft.stream-fixes');

/** Wraps a length decoder so that an empty buffer fails without building an error. */
export function emptyFastLengthDecoder(decode: LengthDecoder): LengthDecoder {
  return (data) => {
    if (data.byteLength === 0) throw EMPTY;
    return decode(data);
  };
}

/** Installs both fixes (idempotent). */
export function installStreamFixes(): void {
  installNoiseReadFix();
  installYamuxWindowFix();
}

/** Every LengthPrefixedDecoder wraps its length decoder on first use. */
function installNoiseReadFix(): void {
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

/** What the yamux fix reads of a stream (fields the library keeps on each YamuxStream). */
interface WindowState {
  state: StreamState;
  recvWindow: number;
  recvWindowCapacity: number;
}

/**
 * Whether a stream may skip the window update the library is about to send: no flag due (the stream
 * is past its SYN/ACK), not paused, and at least half the window still free.
 */
export function windowUpdateDeferred(s: WindowState): boolean {
  const flagless =
    s.state === StreamState.Established ||
    s.state === StreamState.SYNSent ||
    s.state === StreamState.Finished;
  return flagless && s.recvWindowCapacity * 2 >= s.recvWindow;
}

function installYamuxWindowFix(): void {
  const proto = YamuxStream.prototype as unknown as Record<PropertyKey, unknown> & {
    sendWindowUpdate(this: YamuxStream): void;
  };
  if (proto[INSTALLED]) return;
  const sendWindowUpdate = proto.sendWindowUpdate;
  proto.sendWindowUpdate = function (this: YamuxStream) {
    if (windowUpdateDeferred(this as unknown as WindowState)) return;
    sendWindowUpdate.call(this);
  };
  proto[INSTALLED] = true;
}
