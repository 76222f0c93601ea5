/**
 * NeedBroadcast's topic validator (network/p2p/broadcast.ts): what it accepts, rejects and ignores,
 * and that the expensive step (key import and Ed25519 verification) comes after the cheap ones.
 * The validator is the one NeedBroadcast registers on the host; the host here only holds the
 * validator map (the network itself is exercised in test/e2e/discovery*.test.ts).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import {
  defaultBroadcastOptions,
  type IncomingNeed,
  NeedBroadcast,
  needTopic,
  type P2pHost,
  type RejectReason,
} from '../../../src/network/p2p/index.js';
import { canonicalBytes } from '../../../src/protocol/canonical.js';
import { BECKN_VERSION } from '../../../src/protocol/context.js';
import {
  generateKeyPair,
  importPublicKey,
  type KeyPair,
  publicKeyFromPeerId,
} from '../../../src/protocol/keys.js';
import { type BecknRequest, validateOutgoing } from '../../../src/protocol/messages.js';
import { signBody } from '../../../src/protocol/signing.js';
import { ManualClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';

const REGION = 'de-by';
const TOPIC = needTopic(REGION);
const buyer = generateKeyPair();

/** A broadcast search signed by `keys` at the clock's time, as Sender.signBroadcast builds it. */
function signedNeed(keys: KeyPair, clock: ManualClock, messageId = randomUUID(), name = 'bracket') {
  const nowMs = clock.now();
  const request = {
    context: {
      domain: 'weft:manufacturing',
      location: { country: { code: 'DEU' }, city: { code: 'std:089' } },
      action: 'search',
      version: BECKN_VERSION,
      bap_id: keys.keyId,
      bap_uri: 'https://buyer.example.net/beckn',
      transaction_id: randomUUID(),
      message_id: messageId,
      timestamp: new Date(nowMs).toISOString(),
      ttl: 'PT120S',
    },
    message: { intent: { category: { id: 'cnc-milling' }, item: { descriptor: { name } } } },
  } as unknown as BecknRequest;
  validateOutgoing(request);
  const body = canonicalBytes(request);
  const created = Math.floor(nowMs / 1000);
  const { authorization } = signBody(body, {
    subscriberId: keys.keyId,
    uniqueKeyId: keys.keyId,
    privateKey: keys.privateKey,
    created,
    expires: created + 120,
  });
  return { body, authorization };
}

const wrap = (body: Buffer | string, authorization: string) =>
  Buffer.from(JSON.stringify({ v: 1, authorization, body: body.toString() }));

function setup() {
  const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'));
  const validators = new Map<string, (peer: PeerId, msg: Message) => TopicValidatorResult>();
  const host = {
    services: { pubsub: { topicValidators: validators, subscribe() {}, unsubscribe() {} } },
  } as unknown as P2pHost;
  const needs: IncomingNeed[] = [];
  const dropped: RejectReason[] = [];
  let keyLookups = 0;
  const broadcast = new NeedBroadcast(
    { ...defaultBroadcastOptions, perSenderPerMinute: 3 },
    {
      host,
      clock,
      logger: silentLogger(),
      keyFor: (keyId) => {
        keyLookups++;
        const raw = publicKeyFromPeerId(keyId);
        return raw ? importPublicKey(raw) : undefined;
      },
      onNeed: (n) => needs.push(n),
      onDropped: (r) => dropped.push(r),
    },
  );
  broadcast.start(REGION);
  const validator = validators.get(TOPIC);
  assert.ok(validator, 'NeedBroadcast registers a validator on its region topic');
  const peer = {} as PeerId;
  const validate = (data: Uint8Array) => validator(peer, { type: 'unsigned', topic: TOPIC, data });
  return { clock, needs, dropped, validate, keyLookups: () => keyLookups };
}

test('a valid need is accepted and handed over once; a rewrapped copy is ignored before any key lookup', async () => {
  const s = setup();
  const need = signedNeed(buyer, s.clock);
  assert.equal(s.validate(wrap(need.body, need.authorization)), TopicValidatorResult.Accept);
  await Promise.resolve();
  assert.equal(s.needs.length, 1);
  assert.equal(s.needs[0]!.sender, buyer.keyId);
  assert.equal(s.keyLookups(), 1);
  // The same need in another envelope (fields reordered): a new gossip message id, the same need.
  const rewrapped = Buffer.from(
    JSON.stringify({ body: need.body.toString(), authorization: need.authorization, v: 1 }),
  );
  assert.equal(s.validate(rewrapped), TopicValidatorResult.Ignore);
  assert.deepEqual(s.dropped, ['duplicate']);
  assert.equal(s.keyLookups(), 1, 'a duplicate costs no key lookup or signature check');
  await Promise.resolve();
  assert.equal(s.needs.length, 1);
});

test('a forged need is rejected and does not take the id of the real one still to come', async () => {
  const s = setup();
  const messageId = randomUUID();
  const real = signedNeed(buyer, s.clock, messageId);
  const tampered = real.body.toString().replace('"bracket"', '"BRACKET"');
  assert.notEqual(tampered, real.body.toString());
  assert.equal(s.validate(wrap(tampered, real.authorization)), TopicValidatorResult.Reject);
  assert.equal(s.validate(wrap(real.body, real.authorization)), TopicValidatorResult.Accept);
  assert.deepEqual(s.dropped, ['signature']);
  await Promise.resolve();
  assert.equal(s.needs.length, 1);
});

test('cheap checks come before the signature: shape, schema and signer mismatch cost no key lookup', () => {
  const s = setup();
  const need = signedNeed(buyer, s.clock);
  const other = generateKeyPair();
  const cases: Array<[Uint8Array, RejectReason]> = [
    [Buffer.from('{"v":1,'), 'shape'],
    [
      Buffer.from(JSON.stringify({ v: 2, authorization: need.authorization, body: need.body.toString() })),
      'shape',
    ],
    [wrap('{"context":{}}', need.authorization), 'schema'],
    // Signed by `other` but naming the buyer as bap_id.
    [wrap(need.body, signedNeed(other, s.clock).authorization), 'sender'],
  ];
  for (const [data, reason] of cases) {
    assert.equal(s.validate(data), TopicValidatorResult.Reject, reason);
  }
  assert.deepEqual(
    s.dropped,
    cases.map(([, r]) => r),
  );
  assert.equal(s.keyLookups(), 0);
});

test('an expired need is ignored, not rejected; a sender over its rate is rejected', () => {
  const s = setup();
  const old = signedNeed(buyer, s.clock);
  s.clock.advance(10 * 60_000);
  assert.equal(s.validate(wrap(old.body, old.authorization)), TopicValidatorResult.Ignore);
  for (let i = 0; i < 3; i++) {
    const n = signedNeed(buyer, s.clock);
    assert.equal(s.validate(wrap(n.body, n.authorization)), TopicValidatorResult.Accept);
  }
  const fourth = signedNeed(buyer, s.clock);
  assert.equal(s.validate(wrap(fourth.body, fourth.authorization)), TopicValidatorResult.Reject);
  assert.deepEqual(s.dropped, ['expired', 'flood']);
});
