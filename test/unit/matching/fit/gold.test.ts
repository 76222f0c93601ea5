import assert from 'node:assert/strict';
import { test } from 'node:test';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { decide } from '../../../../src/matching/fit/index.js';
import { NeedSpecSchema } from '../../../../src/matching/spec.js';
import { profileErrors } from '../../../../src/protocol/profile.js';
import { AssetSchema } from '../../../../src/twins/config-schema.js';
import { loadGold, rawGold } from './gold.js';

test('gold set: who answers, precision and recall over every (need, supplier) pair ≥ 0.9', (t) => {
  const gold = loadGold();
  assert.ok(gold.suppliers.length >= 30, 'at least 30 supplier profiles');
  assert.ok(gold.needs.length >= 60, 'at least 60 needs');
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const misses: string[] = [];
  for (const need of gold.needs) {
    const expected = new Set(need.answer);
    for (const s of gold.suppliers) {
      const d = decide(need.spec, s.caps, s.capacity, undefined, { now: gold.now });
      const want = expected.has(s.id);
      if (d.respond && want) tp++;
      else if (d.respond) {
        fp++;
        misses.push(`${need.id} ${s.id}: answered, should not (${d.reasons.map((r) => r.text).join('; ')})`);
      } else if (want) {
        fn++;
        const why = d.reasons.filter((r) => !r.ok).map((r) => r.text);
        misses.push(`${need.id} ${s.id}: declined, should answer (${why.join('; ')})`);
      }
      if (d.respond) {
        assert.ok(d.quote, `${need.id} ${s.id}: a response carries a quote`);
        assert.ok(d.quote.unitPrice > 0 && d.quote.total >= d.quote.unitPrice);
      }
    }
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  const pairs = gold.needs.length * gold.suppliers.length;
  const line = `fit gold: ${gold.needs.length} needs × ${gold.suppliers.length} suppliers = ${pairs} pairs; answers expected ${tp + fn}, given ${tp + fp}; precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`;
  console.log(line);
  t.diagnostic(line);
  for (const m of misses) t.diagnostic(m);
  assert.ok(precision >= 0.9, `precision ${precision.toFixed(3)} < 0.9:\n${misses.join('\n')}`);
  assert.ok(recall >= 0.9, `recall ${recall.toFixed(3)} < 0.9:\n${misses.join('\n')}`);
});

test('gold set: every profile, asset and need spec is valid against its schema', () => {
  const raw = rawGold();
  const ajv = new Ajv.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const asset = ajv.compile(AssetSchema);
  const spec = ajv.compile(NeedSpecSchema);
  const ids = new Set<string>();
  for (const s of raw.suppliers) {
    assert.ok(!ids.has(s.id), `duplicate supplier ${s.id}`);
    ids.add(s.id);
    assert.deepEqual(profileErrors(s.profile), [], s.id);
    for (const { count: _count, ...a } of s.assets)
      assert.ok(asset(a), `${s.id}/${a.id}: ${ajv.errorsText(asset.errors)}`);
  }
  for (const n of raw.needs) {
    assert.ok(spec(n.spec), `${n.id}: ${ajv.errorsText(spec.errors)}`);
    for (const id of n.answer) assert.ok(ids.has(id), `${n.id} names unknown supplier ${id}`);
  }
});
