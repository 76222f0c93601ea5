import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUuid } from '../../../src/protocol/formats.js';
import { newId } from '../../../src/util/ids.js';

test('ids are version-7 UUIDs (RFC 9562) carrying the time they were made', () => {
  const at = Date.UTC(2026, 10, 26, 12, 0, 0, 123);
  const id = newId(at + 10_000_000); // later than any id made so far in this process
  assert.ok(isUuid(id), id);
  assert.equal(id[14], '7', 'version nibble');
  assert.ok('89ab'.includes(id[19]!), `variant bits of ${id}`);
  const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  assert.equal(ms, at + 10_000_000);
});

test('ids increase and never repeat, within a millisecond and when the clock goes back', () => {
  const ids: string[] = [];
  const t = Date.now() + 20_000_000;
  for (let i = 0; i < 20_000; i++) ids.push(newId(t)); // one millisecond: more ids than the counter holds
  for (let i = 0; i < 100; i++) ids.push(newId(t - 5000)); // the clock stepped back
  for (let i = 0; i < 1000; i++) ids.push(newId());
  assert.equal(new Set(ids).size, ids.length);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `${ids[i]} after ${ids[i - 1]}`);
});

test('ids differ in their random part', () => {
  const tails = new Set(Array.from({ length: 1000 }, () => newId().slice(19)));
  assert.equal(tails.size, 1000);
});
