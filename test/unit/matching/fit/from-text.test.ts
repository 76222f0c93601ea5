/**
 * Needs from text, as a supplier's node reads them: text → built-in parser → `decide` against the
 * suppliers of test/fixtures/matching/suppliers-gold.json (issue 5 review): ordinary needs that name
 * no process are parts to make, stock and standard items are declined, and a tooling need counts
 * tools only when its number counts tools.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capabilitiesFrom, decide, type FitDecision } from '../../../../src/matching/fit/index.js';
import { BuiltinNeedParser } from '../../../../src/matching/parser/index.js';
import { capacityAt, expandAssets, rawGold } from './gold.js';

const raw = rawGold();
const NOW = Date.parse(raw.now);
const suppliers = raw.suppliers.map((s) => ({
  id: s.id,
  caps: capabilitiesFrom(s.profile, expandAssets(s), s.options),
  capacity: capacityAt(raw, s, NOW),
}));
const parser = new BuiltinNeedParser();

async function decisions(text: string): Promise<Map<string, FitDecision>> {
  const spec = await parser.parse(text, { now: new Date(NOW) });
  return new Map(suppliers.map((s) => [s.id, decide(spec, s.caps, s.capacity, undefined, { now: NOW })]));
}

function responders(d: Map<string, FitDecision>): string[] {
  return [...d].filter(([, x]) => x.respond).map(([id]) => id);
}

function explain(d: Map<string, FitDecision>): string {
  return [...d]
    .map(
      ([id, x]) =>
        `${id}: ${x.respond ? 'responds' : 'declines'} (${x.reasons.map((r) => r.text).join('; ')})`,
    )
    .join('\n');
}

test('needs naming no process, tolerance or stock form are parts to make: the shops that make them answer', async () => {
  const cases: Array<{ text: string; answer: string[]; process: RegExp }> = [
    // Aluminium housings: the mills that work aluminium in CN-GD with ISO 9001.
    {
      text: '需要100件6061铝合金外壳,需ISO9001,30天内交货到东莞',
      answer: ['cn-gd-dg-precision-cnc', 'cn-gd-sz-rapid-proto'],
      process:
        /^(?:cnc-machining|laser-cutting|sheet-metal|extrusion|welding|die-casting|sand-casting|3d-printing)$/,
    },
    {
      text: '需要500个铝合金外壳',
      answer: ['cn-gd-dg-precision-cnc', 'de-bw-praezision'],
      process:
        /^(?:cnc-machining|laser-cutting|sheet-metal|extrusion|welding|die-casting|sand-casting|3d-printing)$/,
    },
    // ABS housings: the injection moulders.
    {
      text: '求购2000个ABS塑料外壳',
      answer: ['cn-gd-dg-injection', 'cn-gd-sz-mold', 'de-nw-kunststoff'],
      process: /^(?:injection-moulding|3d-printing)$/,
    },
    // Stainless brackets made to drawing: mills and sheet-metal shops working stainless.
    {
      text: '需要300件304不锈钢支架,按图纸加工',
      answer: ['cn-gd-dg-precision-cnc', 'cn-gd-dg-sheet-metal', 'de-bw-praezision'],
      process: /^(?!turning$)/,
    },
    {
      text: '500 stainless steel 304 brackets made to drawing',
      answer: ['cn-gd-dg-precision-cnc', 'cn-gd-dg-sheet-metal', 'de-bw-praezision'],
      process: /^(?!turning$)/,
    },
  ];
  for (const c of cases) {
    const d = await decisions(c.text);
    const who = responders(d);
    for (const id of c.answer) assert.ok(who.includes(id), `${c.text}: ${id} should answer\n${explain(d)}`);
    for (const id of who) {
      const x = d.get(id)!;
      assert.match(x.quote?.process ?? '', c.process, `${c.text}: ${id} quotes ${x.quote?.process}`);
      // No tolerance stated: not declined for it, but scored lower than a full match would be.
      assert.ok(x.score < 0.9, `${c.text}: ${id} score ${x.score}`);
      assert.ok(!x.reasons.some((r) => r.code === 'basis' && !r.ok), `${c.text}: ${id} has no failed basis`);
    }
  }
});

test('a lathe does not answer for housings: every decline says why', async () => {
  const d = await decisions('需要500个铝合金外壳');
  const lathe = d.get('de-hh-dreherei')!;
  assert.equal(lathe.respond, false);
  const why = lathe.reasons.filter((r) => !r.ok && r.hard);
  assert.deepEqual(
    why.map((r) => r.code),
    ['process'],
  );
  assert.match(why[0]!.text, /外壳.*turning/);
  for (const [id, x] of d) {
    if (!x.respond)
      assert.ok(
        x.reasons.some((r) => !r.ok),
        `${id} declines with a failing reason`,
      );
  }
});

test('stock and standard items are declined by everyone, with the words that said so', async () => {
  const cases: Array<{ text: string; because: RegExp }> = [
    { text: '买两吨304不锈钢棒材，直径20mm，要求提供材质单，发货到无锡', because: /in kg\)|棒材/ },
    { text: '求购不锈钢焊管，304，规格Φ38*1.2，5吨，国标，月底到货', because: /in kg\)|焊管/ },
    { text: '求購7075鋁棒，直徑50mm，兩噸，附材質證明，交貨地點：台南', because: /in kg\)|鋁棒/ },
    { text: '求购M6不锈钢螺丝，A2-70，10万颗，发到义乌', because: /螺丝/ },
    {
      text: 'Hi, we need a quote for 10k M8 zinc-plated steel nuts, class 8. Delivery Rotterdam.',
      because: /nuts/,
    },
    { text: '304 stainless round bars, 500 pcs, ship to Shenzhen', because: /round bars/ },
    { text: '6061 aluminium bar stock, 300 m', because: /in m\)|bar stock/ },
  ];
  for (const c of cases) {
    const d = await decisions(c.text);
    assert.deepEqual(responders(d), [], `${c.text}\n${explain(d)}`);
    const basis = d.get('cn-gd-dg-precision-cnc')!.reasons.find((r) => r.code === 'basis');
    assert.match(basis?.text ?? '', /stock or a standard item/, c.text);
    assert.match(basis?.text ?? '', c.because, c.text);
  }
});

test('words of making overrule stock words: custom bolts to drawing are parts to make', async () => {
  const d = await decisions('按图纸加工304不锈钢非标螺栓，5000个');
  assert.ok(responders(d).includes('cn-gd-dg-precision-cnc'), explain(d));
});

test('a tooling need: a number that counts moulds or dies is the tool count, one that counts parts is not', async () => {
  const cases: Array<{ text: string; tools: number }> = [
    { text: '需要开3个注塑模具', tools: 3 },
    { text: 'We need 2 injection moulds', tools: 2 },
    { text: '需要做一套注塑模具，产品是PP材质的收纳盒', tools: 1 },
    { text: 'Require 3 sets of progressive stamping dies for automotive brackets', tools: 3 },
    // The number counts the parts the mould will make: one mould.
    { text: '有个项目需要开模做ABS+PC外壳，首单1万个', tools: 1 },
    { text: '开模做PP收纳盒，首批5000套', tools: 1 },
  ];
  for (const c of cases) {
    const d = await decisions(c.text);
    const toolmaker = d.get('cn-zj-nb-tooling')!;
    assert.equal(toolmaker.respond, true, `${c.text}\n${explain(d)}`);
    assert.equal(toolmaker.quote?.process, 'tooling', c.text);
    assert.equal(toolmaker.quote?.quantity, c.tools, `${c.text}: ${toolmaker.quote?.quantity} tools`);
  }
});
