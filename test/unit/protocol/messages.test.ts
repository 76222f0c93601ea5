import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ACTIONS,
  type Action,
  type BecknRequest,
  DEVIATIONS,
  INCOMING_SLOTS,
  isCallback,
  isRequestFor,
  type MessageOf,
  NORMALISER_NAMES,
  parseBecknRequest,
  RELAXATION_NAMES,
  validateOutgoing,
} from '../../../src/protocol/index.js';
import { firstDuplicateKey, memberCount, parsedMemberCount } from '../../../src/protocol/json-keys.js';
import { type ErrorCode, isWeftError, type WeftError } from '../../../src/util/errors.js';

const MAX = 64 * 1024;
const TX = '6f1c1b8e-3c1d-4c57-9a51-0d6b8f0f2b10';
const MSG = 'a2fe6d52-9fe4-4d1a-9d0b-dccb8b48522d';

const ORDER = { provider: { id: 'p1' }, items: [{ id: 'it-1', quantity: { selected: { count: 2 } } }] };

/** The smallest valid message of each action. */
const MESSAGES: { [A in Action]: MessageOf<A> } = {
  search: { intent: { descriptor: { name: 'CNC milling, 6061 aluminium' } } },
  select: { order: ORDER },
  init: { order: ORDER },
  confirm: { order: ORDER },
  status: { order_id: 'ord-1' },
  track: { order_id: 'ord-1' },
  cancel: { order_id: 'ord-1' },
  update: { update_target: 'fulfillments', order: { id: 'ord-1' } },
  rating: {},
  support: {},
  on_search: { catalog: { providers: [{ id: 'p1' }] } },
  on_select: { order: ORDER },
  on_init: { order: ORDER },
  on_confirm: { order: { ...ORDER, id: 'ord-1' } },
  on_status: { order: { id: 'ord-1' } },
  on_track: { tracking: { status: 'active' } },
  on_cancel: { order: { id: 'ord-1', status: 'CANCELLED' } },
  on_update: { order: { id: 'ord-1' } },
  on_rating: {},
  on_support: {},
};

/** The paths core requires in each action's `message`. */
const REQUIRED_IN_MESSAGE: { [A in Action]: string[] } = {
  search: [],
  select: ['order'],
  init: ['order'],
  confirm: ['order'],
  status: ['order_id'],
  track: ['order_id'],
  cancel: ['order_id'],
  update: ['update_target', 'order'],
  rating: [],
  support: [],
  on_search: ['catalog'],
  on_select: [],
  on_init: ['order'],
  on_confirm: ['order'],
  on_status: ['order'],
  on_track: ['tracking'],
  on_cancel: ['order'],
  on_update: ['order'],
  on_rating: [],
  on_support: [],
};

function body<A extends Action>(action: A, message: unknown = MESSAGES[action]): BecknRequest<A> {
  return {
    context: {
      domain: 'weft:manufacturing',
      location: { country: { code: 'CHN' }, city: { code: 'std:0769' } },
      action,
      version: '1.1.1',
      bap_id: 'buyer.example',
      bap_uri: 'http://127.0.0.1:7001/beckn',
      bpp_id: 'supplier.example',
      bpp_uri: 'http://127.0.0.1:7002/beckn',
      transaction_id: TX,
      message_id: MSG,
      timestamp: '2026-11-26T08:00:00.000Z',
      ttl: 'PT30S',
    },
    message,
  } as BecknRequest<A>;
}

function parseError(
  text: string | Uint8Array,
  opts: { maxBytes?: number; expectedAction?: Action } = {},
): WeftError {
  try {
    parseBecknRequest(text, { maxBytes: MAX, ...opts });
  } catch (e) {
    assert.ok(isWeftError(e), `expected a WeftError, got ${String(e)}`);
    assert.equal(e.peerAction, 'reject');
    return e;
  }
  assert.fail('expected parseBecknRequest to throw');
}

function assertCode(e: WeftError, code: ErrorCode, path?: string): void {
  assert.equal(e.code, code, e.message);
  if (path !== undefined) {
    assert.equal(e.details['path'], path, e.message);
    assert.ok(e.message.startsWith(`${path}:`), `the message names the path: ${e.message}`);
  }
}

/** Deletes the property at a dotted path; returns the mutated copy. */
function without(value: unknown, path: string): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = path.split('.');
  let o = copy;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  delete o[keys.at(-1)!];
  return copy;
}

function set(value: unknown, path: string, to: unknown): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = path.split('.');
  let o = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[keys.at(-1)!] = to;
  return copy;
}

describe('parseBecknRequest: a good message of every action', () => {
  for (const action of ACTIONS) {
    test(`${action} parses, as text and as bytes, with no deviations`, () => {
      const b = body(action);
      const text = JSON.stringify(b);
      for (const input of [text, new TextEncoder().encode(text)]) {
        const { request, deviations } = parseBecknRequest(input, { maxBytes: MAX, expectedAction: action });
        assert.deepEqual(request, b);
        assert.deepEqual(deviations, []);
        assert.ok(isRequestFor(request, action));
      }
      validateOutgoing(b);
    });
  }

  test('callbacks may carry an error and omit the message; requests need a message', () => {
    for (const action of ACTIONS.filter(isCallback)) {
      const b = { ...body(action), error: { code: '40002', message: 'item not available' } };
      if (action !== 'on_rating') delete (b as { message?: unknown }).message;
      assert.doesNotThrow(() => parseBecknRequest(JSON.stringify(b), { maxBytes: MAX }), action);
    }
  });

  test('unknown properties are allowed anywhere (Beckn is extensible)', () => {
    const b = set(body('select'), 'message.order.provider_location', { id: 'L1' });
    const withTop = { ...(b as object), x_extension: [1, 2, 3] };
    const { request } = parseBecknRequest(JSON.stringify(withTop), { maxBytes: MAX });
    assert.deepEqual(request, withTop);
  });

  test('isRequestFor narrows the body to its action', () => {
    const { request } = parseBecknRequest(JSON.stringify(body('status')), { maxBytes: MAX });
    if (!isRequestFor(request, 'status')) assert.fail('a status body');
    assert.equal(request.message.order_id, 'ord-1');
    assert.equal(isRequestFor(request, 'track'), false);
  });
});

describe('parseBecknRequest: every required field', () => {
  for (const action of ACTIONS) {
    const required = [
      'context',
      'context.transaction_id',
      'context.message_id',
      'context.timestamp',
      ...(isCallback(action) && action !== 'on_rating' ? [] : ['message']),
      ...REQUIRED_IN_MESSAGE[action].map((p) => `message.${p}`),
    ];
    for (const path of required) {
      test(`${action} without ${path} is SCHEMA at ${path}`, () => {
        const e = parseError(JSON.stringify(without(body(action), path)));
        assertCode(e, 'SCHEMA', path);
        assert.throws(() => validateOutgoing(without(body(action), path) as BecknRequest), {
          code: 'SCHEMA',
        });
      });
    }
    test(`${action} without context.action is SCHEMA at context.action`, () => {
      assertCode(
        parseError(JSON.stringify(without(body(action), 'context.action'))),
        'SCHEMA',
        'context.action',
      );
    });
  }
});

describe('parseBecknRequest: wrong shapes', () => {
  const cases: Array<[string, unknown, string]> = [
    ['context is not an object', set(body('search'), 'context', 'x'), 'context'],
    ['message is not an object', set(body('select'), 'message', []), 'message'],
    ['an order is an array', set(body('select'), 'message.order', []), 'message.order'],
    [
      'an item id is a number',
      set(body('select'), 'message.order.items', [{ id: 7 }]),
      'message.order.items[0].id',
    ],
    [
      'a count is negative',
      set(body('select'), 'message.order.items', [{ quantity: { selected: { count: -1 } } }]),
      'message.order.items[0].quantity.selected.count',
    ],
    [
      'a timestamp is not RFC 3339',
      set(body('search'), 'context.timestamp', '26/11/2026 08:00'),
      'context.timestamp',
    ],
    [
      'a timestamp has no time zone',
      set(body('search'), 'context.timestamp', '2026-11-26T08:00:00'),
      'context.timestamp',
    ],
    ['a bap_uri is not a URI', set(body('search'), 'context.bap_uri', 'not a uri'), 'context.bap_uri'],
    [
      'a price is not a decimal',
      set(body('on_select'), 'message.order.quote', { price: { currency: 'CNY', value: 'about 10' } }),
      'message.order.quote.price.value',
    ],
    [
      'a gps is out of range',
      set(body('on_track'), 'message.tracking.location', { gps: '91.0,10.0' }),
      'message.tracking.location.gps',
    ],
    [
      'a billing email is not an email',
      set(body('init'), 'message.order.billing', { email: 'nobody' }),
      'message.order.billing.email',
    ],
    [
      'a name is over its maxLength',
      set(body('search'), 'message.intent', { descriptor: { name: 'x'.repeat(513) } }),
      'message.intent.descriptor.name',
    ],
    [
      'a tag list is over its maxItems',
      set(body('search'), 'message.intent', { tags: Array.from({ length: 101 }, () => ({})) }),
      'message.intent.tags',
    ],
  ];
  for (const [name, value, path] of cases) {
    test(`${name}: SCHEMA at ${path}`, () => {
      assertCode(parseError(JSON.stringify(value)), 'SCHEMA', path);
    });
  }

  test('an enum value outside core is SCHEMA and the message lists the allowed values', () => {
    const e = parseError(JSON.stringify(set(body('on_status'), 'message.order.status', 'SHIPPED')));
    assertCode(e, 'SCHEMA', 'message.order.status');
    assert.match(e.message, /"ACTIVE", "COMPLETE", "CANCELLED"/);
  });

  test('paths with characters outside identifiers are quoted', () => {
    const v = set(body('select'), 'message.order.fulfillments', [
      { stops: [{ location: { '3dspace': 5 } }] },
    ]);
    assertCode(
      parseError(JSON.stringify(v)),
      'SCHEMA',
      'message.order.fulfillments[0].stops[0].location["3dspace"]',
    );
  });
});

describe('parseBecknRequest: actions', () => {
  test('a body for another endpoint is SCHEMA at context.action', () => {
    const e = parseError(JSON.stringify(body('search')), { expectedAction: 'select' });
    assertCode(e, 'SCHEMA', 'context.action');
    assert.match(e.message, /"search".*"select"/);
  });

  test('an unknown action is SCHEMA at context.action', () => {
    for (const action of ['buy', 'SEARCH', 'on_', '', 'constructor', '__proto__']) {
      assertCode(
        parseError(JSON.stringify(set(body('search'), 'context.action', action))),
        'SCHEMA',
        'context.action',
      );
    }
    assertCode(
      parseError(JSON.stringify(set(body('search'), 'context.action', 3))),
      'SCHEMA',
      'context.action',
    );
  });

  test('a context.action differing from the schema picked is impossible: the action picks the schema', () => {
    // A select body labelled search is judged as a search (whose message needs no order): accepted as search.
    const b = set(body('select'), 'context.action', 'search');
    const { request } = parseBecknRequest(JSON.stringify(b), { maxBytes: MAX });
    assert.equal(request.context.action, 'search');
  });
});

describe('parseBecknRequest: size and JSON', () => {
  test('a body over maxBytes is TOO_LARGE, counted in UTF-8 bytes', () => {
    const text = JSON.stringify(body('search'));
    assertCode(parseError(text, { maxBytes: text.length - 1 }), 'TOO_LARGE');
    assertCode(parseError(new TextEncoder().encode(text), { maxBytes: text.length - 1 }), 'TOO_LARGE');
    assert.doesNotThrow(() => parseBecknRequest(text, { maxBytes: text.length }));
    // 200 three-byte characters: 200 UTF-16 units, 600 bytes.
    const wide = JSON.stringify(
      set(body('search'), 'message.intent', { descriptor: { name: '铣'.repeat(200) } }),
    );
    const bytes = Buffer.byteLength(wide);
    assert.ok(wide.length < bytes);
    assertCode(parseError(wide, { maxBytes: bytes - 1 }), 'TOO_LARGE');
    assert.doesNotThrow(() => parseBecknRequest(wide, { maxBytes: bytes }));
  });

  test('text that is not JSON, or not a JSON object, is BAD_JSON', () => {
    for (const text of [
      '',
      '{',
      '{"context":',
      'null',
      '[]',
      '"search"',
      '42',
      'true',
      "{'a':1}",
      '{"a":1}x',
    ]) {
      assertCode(parseError(text), 'BAD_JSON');
    }
  });

  test('bytes that are not UTF-8 are BAD_JSON', () => {
    assertCode(parseError(new Uint8Array([0x7b, 0xff, 0x7d])), 'BAD_JSON');
  });

  test('a name repeated in one object is BAD_JSON naming it and where (the signed bytes would be ambiguous)', () => {
    const text = JSON.stringify(body('search'));
    const cases: Array<[string, string, string]> = [
      // [body, message part, details.path]
      [
        text.replace('"transaction_id":', `"transaction_id":"${MSG}","transaction_id":`),
        '"transaction_id" in context',
        'context.transaction_id',
      ],
      [
        text.replace('{"context":', '{"message":{},"context":'),
        '"message" in the top-level object',
        'message',
      ],
      [
        text.replace('"country":{"code":"CHN"}', '"country":{"code":"CHN","code":"IND"}'),
        '"code" in context.location.country',
        'context.location.country.code',
      ],
      // Escapes spell the same name.
      [text.replace('"ttl":"PT30S"', '"ttl":"PT30S","t\u0074l":"PT9S"'), '"ttl" in context', 'context.ttl'],
    ];
    for (const [bad, what, path] of cases) {
      assert.doesNotThrow(() => JSON.parse(bad), bad);
      const e = parseError(bad);
      assertCode(e, 'BAD_JSON');
      assert.match(e.message, new RegExp(what.replace(/[.[\]]/g, '\\$&')));
      assert.equal(e.details.path, path);
    }
    // Equal names in different objects, colons and quotes inside strings, arrays of objects: fine.
    const fine = set(body('search'), 'message.intent', {
      descriptor: { name: 'a:b "c": {d}', code: 'x' },
      tags: [{ descriptor: { code: 'x' } }, { descriptor: { code: 'x' } }],
    });
    assert.doesNotThrow(() => parseBecknRequest(JSON.stringify(fine), { maxBytes: MAX }));
  });
});

describe('json-keys', () => {
  test('counts members in the text and in the parsed value alike when names are unique', () => {
    for (const v of [
      {},
      [],
      { a: [{ b: 1, c: { d: null } }, 'x:y'] },
      { 'k"\\:': { '': [1, { z: true }] } },
    ]) {
      const t = JSON.stringify(v, null, 2);
      assert.equal(memberCount(t), parsedMemberCount(JSON.parse(t)), t);
      assert.equal(firstDuplicateKey(t), undefined);
    }
    assert.deepEqual(firstDuplicateKey('{"a":[1,{"b":2,"b":3}]}'), { path: 'a[1]', key: 'b' });
    assert.deepEqual(firstDuplicateKey('{ "a" : 1 , "a" : 2 }'), { path: '', key: 'a' });
    assert.deepEqual(firstDuplicateKey('{"a":{},"b":[],"c":[{}],"c":1}'), { path: '', key: 'c' });
    // Hostile nesting: no recursion to overflow.
    const depth = 100_000;
    const deep = `${'{"x":['.repeat(depth)}{"a":1,"a":2}${']}'.repeat(depth)}`;
    const parsed = JSON.parse(deep);
    assert.notEqual(memberCount(deep), parsedMemberCount(parsed));
    const dup = firstDuplicateKey(deep);
    assert.equal(dup?.key, 'a');
    assert.ok(dup?.path.endsWith('.x[0]'));
  });
});

describe('deviations', () => {
  test('are declared once each, with a description', () => {
    const names = DEVIATIONS.map((d) => d.name);
    assert.deepEqual([...names].sort(), [...NORMALISER_NAMES, ...RELAXATION_NAMES].sort());
    assert.equal(new Set(names).size, names.length);
    for (const d of DEVIATIONS) {
      assert.ok(d.description.length > 20 && !d.description.includes('\n'), d.name);
      assert.equal(d.kind === 'relax', (RELAXATION_NAMES as readonly string[]).includes(d.name), d.name);
    }
    assert.notEqual(INCOMING_SLOTS.contextId, undefined);
  });

  test('non-UUID context ids are tolerated incoming, rejected outgoing unless tolerated', () => {
    const b = set(
      set(body('on_init'), 'context.transaction_id', 'T1'),
      'context.message_id',
      'M1',
    ) as BecknRequest;
    const { deviations } = parseBecknRequest(JSON.stringify(b), { maxBytes: MAX });
    assert.deepEqual(deviations, ['context-id-not-uuid']);
    assert.throws(
      () => validateOutgoing(b),
      (e: unknown) => isWeftError(e, 'SCHEMA') && e.details['path'] === 'context.transaction_id',
    );
    assert.doesNotThrow(() => validateOutgoing(b, { tolerate: ['context-id-not-uuid'] }));
    // Tolerating a relaxation does not tolerate anything else.
    const worse = set(b, 'message.order.status', 'SHIPPED') as BecknRequest;
    assert.throws(() => validateOutgoing(worse, { tolerate: ['context-id-not-uuid'] }), { code: 'SCHEMA' });
    // Empty ids stay invalid.
    assertCode(parseError(JSON.stringify(set(b, 'context.message_id', ''))), 'SCHEMA', 'context.message_id');
  });

  test('image URL strings are normalised to Image objects and reported', () => {
    const b = set(body('on_status'), 'message.order.fulfillments', [
      {
        stops: [
          { instructions: { images: ['https://img.example/a.png', { url: 'https://img.example/b.png' }] } },
        ],
      },
    ]);
    assert.throws(() => validateOutgoing(b as BecknRequest), { code: 'SCHEMA' });
    const { request, deviations } = parseBecknRequest(JSON.stringify(b), { maxBytes: MAX });
    assert.deepEqual(deviations, ['image-url-strings']);
    if (!isRequestFor(request, 'on_status')) assert.fail('on_status');
    assert.deepEqual(request.message?.order.fulfillments?.[0]?.stops?.[0]?.instructions?.images, [
      { url: 'https://img.example/a.png' },
      { url: 'https://img.example/b.png' },
    ]);
    validateOutgoing(request);
  });

  test('provider ttl strings, term durations, cancelled_by ids and seller/buyer are normalised', () => {
    const order = {
      id: 'ord-1',
      provider: { id: 'p1', ttl: 'P1D' },
      items: [
        {
          id: 'it-1',
          replacement_terms: [{ replace_within: 'P7D' }],
          return_terms: [{ return_time: { duration: 'P7D' }, fulfillment_managed_by: 'seller' }],
        },
      ],
      cancellation: { cancelled_by: 'supplier.example' },
    };
    const { request, deviations } = parseBecknRequest(JSON.stringify(body('on_cancel', { order })), {
      maxBytes: MAX,
    });
    assert.deepEqual(deviations, [
      'provider-ttl-duration',
      'term-time-duration',
      'cancelled-by-subscriber-id',
      'managed-by-seller-buyer',
    ]);
    if (!isRequestFor(request, 'on_cancel')) assert.fail('on_cancel');
    const o = request.message?.order;
    assert.equal(o?.provider?.ttl, 86_400);
    assert.deepEqual(o?.items?.[0]?.replacement_terms?.[0]?.replace_within, { duration: 'P7D' });
    assert.equal(o?.items?.[0]?.return_terms?.[0]?.fulfillment_managed_by, 'PROVIDER');
    assert.equal(o?.cancellation?.cancelled_by, 'PROVIDER');
    validateOutgoing(request);
  });

  test('a deviation that cannot be normalised is still SCHEMA', () => {
    const stranger = { order: { id: 'o', cancellation: { cancelled_by: 'someone.else' } } };
    assertCode(
      parseError(JSON.stringify(body('on_cancel', stranger))),
      'SCHEMA',
      'message.order.cancellation.cancelled_by',
    );
    const badTtl = { order: { provider: { ttl: 'one day' } } };
    assertCode(parseError(JSON.stringify(body('select', badTtl))), 'SCHEMA', 'message.order.provider.ttl');
  });

  test('hostile nesting in extension data cannot overflow the stack of the normalisers', () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    const b = set(body('on_status'), 'message.order.fulfillments', [
      { stops: [{ instructions: { images: ['https://i.example/x'] } }] },
    ]);
    const text = JSON.stringify(b).replace(/}$/, `,"x_deep":${deep}}`);
    const { deviations } = parseBecknRequest(text, { maxBytes: 1 << 20 });
    assert.deepEqual(deviations, ['image-url-strings']);
  });
});

describe('validateOutgoing', () => {
  test('throws SCHEMA without a peer action, naming the path', () => {
    const b = without(body('confirm'), 'message.order') as BecknRequest;
    assert.throws(
      () => validateOutgoing(b),
      (e: unknown) =>
        isWeftError(e, 'SCHEMA') && e.peerAction === undefined && e.details['path'] === 'message.order',
    );
  });

  test('rejects an unknown action', () => {
    assert.throws(() => validateOutgoing(set(body('search'), 'context.action', 'buy') as BecknRequest), {
      code: 'SCHEMA',
    });
  });
});
