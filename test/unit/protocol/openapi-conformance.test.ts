/**
 * Messages built with our types pass both our strict schema and the published Beckn core 1.1.1
 * OpenAPI file, read independently with Ajv.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ACTIONS,
  type Action,
  type BecknErrorObject,
  type BecknRequest,
  type Catalog,
  type Context,
  type Fulfillment,
  type Item,
  isCallback,
  type Location,
  type MessageOf,
  type Order,
  type Payment,
  type Provider,
  validateOutgoing,
} from '../../../src/protocol/index.js';
import { loadBecknOpenApi } from '../../utils/beckn-openapi.js';

const SHARED = new URL('../../../../shared/conformance/', import.meta.url);
const skip =
  !existsSync(fileURLToPath(new URL('beckn-core-1.1.1/transaction.yaml', SHARED))) &&
  'needs ../shared/conformance (absent)';

const FACTORY: Location = {
  id: 'loc-dg-1',
  descriptor: { name: 'Dongguan plant 1' },
  gps: '22.9746, 113.7496',
  address: 'No. 8 Industrial Road, Chang’an, Dongguan',
  city: { code: 'std:0769', name: 'Dongguan' },
  state: { code: 'CN-GD', name: 'Guangdong' },
  country: { code: 'CHN', name: 'China' },
  area_code: '523000',
  circle: { gps: '22.9746,113.7496', radius: { type: 'CONSTANT', value: '30', unit: 'km' } },
};

const ITEM: Item = {
  id: 'cnc-6061-bracket',
  descriptor: {
    name: 'CNC milled bracket, 6061-T6',
    code: 'cnc-milling',
    short_desc: '3-axis milling, ±0.02 mm',
    long_desc: 'Anodised, deburred, inspected to ISO 2768-m.',
    additional_desc: { url: 'https://supplier.example/spec.pdf', content_type: 'text/plain' },
    images: [
      { url: 'https://supplier.example/img/bracket.png', size_type: 'md', width: '640', height: '480' },
    ],
    media: [{ mimetype: 'application/pdf', url: 'https://supplier.example/drawing.pdf' }],
  },
  creator: { descriptor: { name: 'Dongguan Precision CNC' }, contact: { phone: '+86 769 0000 0000' } },
  price: {
    currency: 'CNY',
    value: '92.00',
    listed_value: '95.00',
    minimum_value: '80',
    maximum_value: '120.5',
  },
  quantity: {
    available: { count: 5000, measure: { type: 'CONSTANT', value: '5000', unit: 'unit' } },
    minimum: { count: 50 },
    maximum: { count: 20000 },
    selected: { count: 200 },
    unitized: { count: 1, measure: { value: '0.12', unit: 'kg' } },
  },
  category_ids: ['cnc-machining'],
  fulfillment_ids: ['f-delivery'],
  location_ids: ['loc-dg-1'],
  payment_ids: ['pay-1'],
  add_ons: [
    { id: 'anodise', descriptor: { name: 'Black anodising' }, price: { currency: 'CNY', value: '4.5' } },
  ],
  cancellation_terms: [
    {
      fulfillment_state: { descriptor: { code: 'Pending' } },
      reason_required: true,
      cancel_by: { duration: 'P2D' },
      cancellation_fee: { percentage: '10' },
    },
  ],
  refund_terms: [{ refund_eligible: true, refund_within: { duration: 'P14D' } }],
  replacement_terms: [{ replace_within: { duration: 'P7D' } }],
  return_terms: [
    { return_eligible: true, return_time: { duration: 'P7D' }, fulfillment_managed_by: 'PROVIDER' },
  ],
  xinput: {
    form: { url: 'https://supplier.example/forms/drawing', mime_type: 'text/html', data: { revision: 'C' } },
    required: false,
  },
  time: { label: 'lead time', duration: 'P10D' },
  rateable: true,
  matched: true,
  ttl: 'P1D',
  tags: [
    {
      display: true,
      descriptor: { code: 'capability' },
      list: [
        { descriptor: { code: 'tolerance_mm' }, value: '0.02', display: true },
        { descriptor: { code: 'max_envelope_mm' }, value: '600x400x300' },
      ],
    },
  ],
};

const FULFILLMENT: Fulfillment = {
  id: 'f-delivery',
  type: 'Delivery',
  rateable: true,
  tracking: true,
  state: {
    descriptor: { code: 'Pending', name: 'Awaiting production slot' },
    updated_at: '2026-11-26T08:00:00Z',
  },
  customer: {
    person: { name: 'Li Wei', languages: [{ code: 'zh' }] },
    contact: { email: 'buyer@oem.example' },
  },
  agent: {
    person: { name: 'Chen Jun' },
    organization: { descriptor: { name: 'SF Express' } },
    rating: '4.8',
  },
  vehicle: { category: 'TRUCK', capacity: 2, registration: '粤S 12345' },
  stops: [
    {
      id: 'pickup',
      type: 'start',
      location: FACTORY,
      time: { range: { start: '2026-12-05T01:00:00Z', end: '2026-12-05T09:00:00+08:00' } },
      instructions: { name: 'Dock 3', images: [{ url: 'https://supplier.example/dock3.png' }] },
      contact: { phone: '+86 769 0000 0001' },
      authorization: { type: 'OTP', token: '482913', valid_to: '2026-12-05T10:00:00Z' },
    },
    {
      id: 'drop',
      type: 'end',
      location: { gps: '31.2304,121.4737', city: { code: 'std:021' }, address: 'Pudong, Shanghai' },
      time: { timestamp: '2026-12-07T06:00:00.000Z' },
      person: { name: 'Receiving desk' },
    },
  ],
  tags: [{ descriptor: { code: 'incoterms' }, list: [{ descriptor: { code: 'rule' }, value: 'DAP' }] }],
};

const PAYMENT: Payment = {
  id: 'pay-1',
  collected_by: 'BPP',
  url: 'https://pay.example/checkout?order=ord-1',
  params: {
    amount: '18400.00',
    currency: 'CNY',
    bank_code: 'ICBKCNBJ',
    bank_account_number: '6222000000000000',
  },
  type: 'ON-FULFILLMENT',
  status: 'NOT-PAID',
  time: { label: 'net 30', duration: 'P30D' },
  tags: [
    { descriptor: { code: 'settlement' }, list: [{ descriptor: { code: 'basis' }, value: 'delivery' }] },
  ],
};

const PROVIDER: Provider = {
  id: '12D3KooWSupplier',
  descriptor: { name: 'Dongguan Precision CNC', short_desc: '40 machines, ISO 9001' },
  category_id: 'cnc-machining',
  rating: '4.6',
  time: { days: '1,2,3,4,5,6', schedule: { frequency: 'P1D', holidays: ['2026-10-01T00:00:00+08:00'] } },
  categories: [
    { id: 'cnc-machining', descriptor: { name: 'CNC machining' } },
    { id: 'milling', parent_category_id: 'cnc-machining' },
  ],
  fulfillments: [FULFILLMENT],
  payments: [PAYMENT],
  locations: [FACTORY],
  offers: [
    {
      id: 'bulk-5',
      descriptor: { name: '5% over 1000 units' },
      item_ids: ['cnc-6061-bracket'],
      time: { range: { end: '2026-12-31T23:59:59Z' } },
    },
  ],
  items: [ITEM],
  exp: '2026-12-01T00:00:00Z',
  rateable: true,
  ttl: 3600,
  tags: [
    { descriptor: { code: 'certifications' }, list: [{ descriptor: { code: 'ISO9001' }, value: 'true' }] },
  ],
};

const CATALOG: Catalog = {
  descriptor: { name: 'Dongguan Precision CNC catalogue' },
  providers: [PROVIDER],
  fulfillments: [{ id: 'f-self', type: 'Self-Pickup' }],
  payments: [{ type: 'PRE-ORDER' }],
  offers: [{ id: 'net30', descriptor: { name: 'Net 30 for repeat buyers' } }],
  exp: '2026-11-27T08:00:00Z',
  ttl: 'PT1H',
};

const ORDER: Order = {
  id: 'ord-1',
  ref_order_ids: ['rfq-2026-0042'],
  status: 'ACTIVE',
  type: 'DEFAULT',
  provider: { id: PROVIDER.id, locations: [{ id: 'loc-dg-1' }] },
  items: [{ id: ITEM.id, quantity: { selected: { count: 200 } }, fulfillment_ids: ['f-delivery'] }],
  add_ons: [{ id: 'anodise' }],
  offers: [{ id: 'bulk-5' }],
  billing: {
    name: 'OEM Assembly Co.',
    organization: { descriptor: { name: 'OEM Assembly Co.' }, address: 'Shanghai' },
    address: '1 Century Avenue, Pudong, Shanghai',
    state: { name: 'Shanghai' },
    city: { name: 'Shanghai', code: 'std:021' },
    email: 'ap@oem.example',
    phone: '+86 21 0000 0000',
    time: { range: { start: '2026-11-01T00:00:00Z', end: '2026-11-30T23:59:59Z' } },
    tax_id: '91310000000000000X',
  },
  fulfillments: [FULFILLMENT],
  cancellation_terms: ITEM.cancellation_terms,
  refund_terms: ITEM.refund_terms,
  replacement_terms: ITEM.replacement_terms,
  return_terms: ITEM.return_terms,
  quote: {
    id: '0b5f4a8e-8a53-4f6a-9a8e-1f2d3c4b5a69',
    price: { currency: 'CNY', value: '18400.00' },
    breakup: [
      {
        item: { id: ITEM.id, quantity: { selected: { count: 200 } } },
        title: 'machining',
        price: { currency: 'CNY', value: '18000.00' },
      },
      { title: 'delivery', price: { currency: 'CNY', value: '400.00' } },
    ],
    ttl: 'P3D',
  },
  payments: [PAYMENT],
  created_at: '2026-11-26T08:00:00.000Z',
  updated_at: '2026-11-26T08:05:00.000Z',
  xinput: { required: false },
  tags: [{ descriptor: { code: 'weft' }, list: [{ descriptor: { code: 'need_id' }, value: 'need-17' }] }],
};

const ERROR: BecknErrorObject = {
  code: '40002',
  paths: 'message.order.items[0].quantity',
  message: 'only 150 available',
};

/** A rich message of each action, built with our types. */
const MESSAGES: { [A in Action]: MessageOf<A> } = {
  search: {
    intent: {
      descriptor: { name: 'CNC milled aluminium brackets, 200 units, by 10 December' },
      category: { id: 'cnc-machining' },
      item: { descriptor: { name: 'bracket' }, quantity: { selected: { count: 200 } } },
      fulfillment: { type: 'Delivery', stops: [{ type: 'end', location: { gps: '31.2304,121.4737' } }] },
      payment: { type: 'ON-FULFILLMENT' },
      provider: { locations: [{ city: { code: 'std:0769' } }] },
      offer: { id: 'net30' },
      tags: [
        { descriptor: { code: 'need' }, list: [{ descriptor: { code: 'deadline' }, value: '2026-12-10' }] },
      ],
    },
  },
  select: { order: { provider: ORDER.provider, items: ORDER.items, fulfillments: [{ id: 'f-delivery' }] } },
  init: { order: { ...ORDER, status: undefined, quote: undefined } },
  confirm: { order: ORDER },
  status: { order_id: 'ord-1' },
  track: { order_id: 'ord-1', callback_url: 'http://127.0.0.1:7001/beckn/track-feed' },
  cancel: { order_id: 'ord-1', cancellation_reason_id: '001', descriptor: { short_desc: 'Design changed' } },
  update: {
    update_target: 'fulfillments,payments',
    order: { id: 'ord-1', payments: [{ ...PAYMENT, status: 'PAID' }] },
  },
  rating: {
    ratings: [
      { rating_category: 'Provider', id: PROVIDER.id, value: '5' },
      { rating_category: 'Fulfillment', id: 'f-delivery', value: '4' },
    ],
  },
  support: {
    support: {
      ref_id: 'ord-1',
      callback_phone: '+86 21 0000 0000',
      email: 'help@oem.example',
      url: 'https://oem.example/support',
    },
  },
  on_search: { catalog: CATALOG },
  on_select: { order: { ...ORDER, id: undefined, status: undefined } },
  on_init: { order: { ...ORDER, status: undefined } },
  on_confirm: { order: ORDER },
  on_status: {
    order: {
      ...ORDER,
      fulfillments: [{ ...FULFILLMENT, state: { descriptor: { code: 'Order-picked-up' } } }],
    },
  },
  on_track: {
    tracking: {
      id: 'SF1234567890',
      url: 'https://track.example/SF1234567890',
      status: 'active',
      location: { gps: '27.1,114.9' },
    },
  },
  on_cancel: {
    order: {
      ...ORDER,
      status: 'CANCELLED',
      cancellation: {
        time: '2026-11-27T03:00:00Z',
        cancelled_by: 'CONSUMER',
        reason: { id: '001', descriptor: { name: 'Design changed' } },
        additional_description: { short_desc: 'Revision D replaces C' },
      },
    },
  },
  on_update: { order: { ...ORDER, payments: [{ ...PAYMENT, status: 'PAID' }] } },
  on_rating: {
    feedback_form: {
      form: {
        url: 'https://supplier.example/feedback',
        mime_type: 'text/html',
        submission_id: 'c7a7b3f0-6a1e-4a2b-8d0e-2f9e4a1b3c5d',
      },
      required: false,
    },
  },
  on_support: {
    support: { ref_id: 'ord-1', phone: '+86 769 0000 0002', url: 'https://supplier.example/support' },
  },
};

function build<A extends Action>(action: A, withError = false): BecknRequest<A> {
  const context: Context & { action: A } = {
    domain: 'weft:manufacturing',
    location: { country: { code: 'CHN' }, city: { code: 'std:0769' } },
    action,
    version: '1.1.1',
    bap_id: '12D3KooWBuyer',
    bap_uri: 'http://127.0.0.1:7001/beckn',
    bpp_id: '12D3KooWSupplier',
    bpp_uri: 'http://127.0.0.1:7002/beckn',
    transaction_id: '9568beb3-265a-4730-be4e-c00ba2e5e30a',
    message_id: '86fb6231-ea67-42d1-b1ef-e43f1719a44f',
    timestamp: '2026-11-26T08:00:00.000Z',
    ttl: 'PT30S',
  };
  // JSON round trip: drops the `undefined` properties, as the wire does.
  return JSON.parse(
    JSON.stringify({ context, message: MESSAGES[action], ...(withError ? { error: ERROR } : {}) }),
  ) as BecknRequest<A>;
}

describe('messages built with our types conform to the Beckn core 1.1.1 OpenAPI file', { skip }, () => {
  for (const action of ACTIONS) {
    test(`${action}`, () => {
      const validate = loadBecknOpenApi();
      assert.ok(validate);
      const variants = isCallback(action) ? [build(action), build(action, true)] : [build(action)];
      for (const body of variants) {
        validateOutgoing(body);
        assert.deepEqual(validate(action, body), []);
      }
    });
  }

  test('the OpenAPI validator is not vacuous', () => {
    const validate = loadBecknOpenApi();
    assert.ok(validate);
    const select = build('select');
    assert.notDeepEqual(validate('select', { context: select.context, message: {} }), []);
    assert.notDeepEqual(
      validate('select', { ...select, context: { ...select.context, action: 'init' } }),
      [],
    );
    assert.notDeepEqual(
      validate('select', { ...select, context: { ...select.context, message_id: 'M1' } }),
      [],
    );
    const badStatus = build('on_status');
    const order = badStatus.message?.order as Record<string, unknown>;
    order['status'] = 'SHIPPED';
    assert.notDeepEqual(validate('on_status', badStatus), []);
    assert.throws(() => validateOutgoing(badStatus), { code: 'SCHEMA' });
  });
});
