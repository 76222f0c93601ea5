import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import '../../../../src/protocol/formats.js';
import { BuiltinNeedParser } from '../../../../src/matching/parser/index.js';
import { type NeedFields, NeedSpecSchema } from '../../../../src/matching/spec.js';

const parser = new BuiltinNeedParser();
const checkSpec = TypeCompiler.Compile(NeedSpecSchema);
const MONDAY = new Date('2026-05-11T09:00:00Z');

async function values(text: string, now = MONDAY): Promise<Record<string, unknown>> {
  const spec = await parser.parse(text, { now });
  assert.ok(
    checkSpec.Check(spec),
    [...checkSpec.Errors(spec)].map((e) => `${e.path} ${e.message}`).join('; '),
  );
  return Object.fromEntries(
    Object.entries(spec.fields).map(([k, f]) => [k, (f as { value: unknown }).value]),
  );
}

test('the issue example in Simplified Chinese: every field, with confidence and source', async () => {
  const spec = await parser.parse('需要5000件304不锈钢CNC加工零件,公差±0.01mm,需ISO9001,30天内交货到东莞', {
    now: MONDAY,
  });
  assert.equal(spec.language, 'zh-Hans');
  assert.equal(spec.parser, 'builtin');
  assert.deepEqual(spec.warnings, []);
  const f = spec.fields as Required<NeedFields>;
  assert.deepEqual(f.categories.value, ['cnc-machining']);
  assert.equal(f.process.value, 'cnc-machining');
  assert.deepEqual(f.material.value, { family: 'stainless-steel', grade: '304' });
  assert.deepEqual(f.quantity.value, { value: 5000, unit: 'pcs' });
  assert.deepEqual(f.tolerance.value, { mm: 0.01 });
  assert.deepEqual(f.certifications.value, ['ISO9001']);
  assert.deepEqual(f.deadline.value, { date: '2026-06-10', days: 30 });
  assert.deepEqual(f.deliveryPlace.value, { name: '东莞', region: 'CN-GD' });
  assert.equal(f.quantity.source, '5000件');
  assert.equal(f.process.source, 'CNC加工');
  for (const field of Object.values(f)) assert.ok(field.confidence > 0.5 && field.confidence <= 1);
});

test('the issue example in English', async () => {
  const v = await values(
    '10k 6061-T6 anodized enclosures, ±0.05 mm, IATF 16949, delivery Hamburg by 2027-03-01',
  );
  assert.deepEqual(v, {
    material: { family: 'aluminium', grade: '6061-T6' },
    quantity: { value: 10000, unit: 'pcs' },
    tolerance: { mm: 0.05 },
    finish: ['anodizing'],
    certifications: ['IATF16949'],
    deadline: { date: '2027-03-01' },
    deliveryPlace: { name: 'Hamburg', region: 'DE-HH' },
  });
});

test('Traditional Chinese reads like Simplified, and sources point at the words as written', async () => {
  const spec = await parser.parse('需要五千件鋁合金CNC加工外殼，陽極氧化，交貨到東莞', { now: MONDAY });
  assert.equal(spec.language, 'zh-Hant');
  assert.deepEqual(spec.fields.quantity?.value, { value: 5000, unit: 'pcs' });
  assert.equal(spec.fields.quantity?.source, '五千件');
  assert.deepEqual(spec.fields.finish?.value, ['anodizing']);
  assert.equal(spec.fields.finish?.source, '陽極氧化');
  assert.deepEqual(spec.fields.deliveryPlace?.value, { name: '东莞', region: 'CN-GD' });
});

test('deadlines: relative, absolute, month ends, weekdays, working days', async () => {
  const date = async (text: string, now = MONDAY) => (await values(text, now))['deadline'];
  assert.deepEqual(await date('30天内交货'), { date: '2026-06-10', days: 30 });
  assert.deepEqual(await date('delivery within 6 weeks'), { date: '2026-06-22', days: 42 });
  assert.deepEqual(await date('by 2027-03-01'), { date: '2027-03-01' });
  assert.deepEqual(await date('3月底前交货'), { date: '2027-03-31' }, 'March is past in May: next year');
  assert.deepEqual(await date('6月底前交货'), { date: '2026-06-30' });
  assert.deepEqual(await date('下周五前要'), { date: '2026-05-22' });
  assert.deepEqual(await date('15个工作日交货'), { date: '2026-06-01', days: 21 });
  assert.deepEqual(await date('两个月内'), { date: '2026-07-11', days: 61 });
  assert.deepEqual(await date('need by May 15, 2026'), { date: '2026-05-15' });
  assert.deepEqual(await date('before 15 January 2027'), { date: '2027-01-15' });
  assert.deepEqual(await date('8月前交货'), { date: '2026-07-31' });
  assert.deepEqual(await date('国庆前交货'), { date: '2026-09-30' });
  assert.deepEqual(await date('明天发货'), { date: '2026-05-12', days: 1 });
  assert.equal(await date('明天给报价'), undefined, 'a quote tomorrow is not a delivery');
  assert.equal(await date('账期30天'), undefined, 'payment terms are not a deadline');
  assert.equal(await date('payment net 30 days'), undefined);
});

test('quantities: Chinese numerals, magnitudes, tonnes, first batch over annual volume, not dimensions', async () => {
  const qty = async (text: string) => (await values(text))['quantity'];
  assert.deepEqual(await qty('五千件'), { value: 5000, unit: 'pcs' });
  assert.deepEqual(await qty('1.5万套'), { value: 15000, unit: 'sets' });
  assert.deepEqual(await qty('10k'), { value: 10000, unit: 'pcs' });
  assert.deepEqual(await qty('两吨'), { value: 2000, unit: 'kg' });
  assert.deepEqual(await qty('20 tonnes of profiles'), { value: 20000, unit: 'kg' });
  assert.deepEqual(await qty('年用量10万件，首批5000件'), { value: 5000, unit: 'pcs' });
  assert.deepEqual(await qty('单件重约80公斤，共60件'), { value: 60, unit: 'pcs' });
  assert.deepEqual(await qty('12,000 wire harnesses'), { value: 12000, unit: 'pcs' });
  assert.equal(await qty('板厚2mm，长度6米'), undefined);
  assert.equal(await qty('M8 thread, 4-layer board, class 8'), undefined);
});

test('tolerance, budget, places', async () => {
  assert.deepEqual((await values('外圆公差2丝'))['tolerance'], { mm: 0.02 });
  assert.deepEqual((await values('公差0.05'))['tolerance'], { mm: 0.05 });
  assert.deepEqual((await values('±0.0005"'))['tolerance'], { mm: 0.0127 });
  assert.equal((await values('±0.3%'))['tolerance'], undefined);
  assert.equal((await values('膜厚50um'))['tolerance'], undefined);
  assert.deepEqual((await values('单价不超过12元'))['budget'], { amount: 12, currency: 'CNY', per: 'unit' });
  assert.deepEqual((await values('budget 50k EUR'))['budget'], {
    amount: 50000,
    currency: 'EUR',
    per: 'total',
  });
  assert.deepEqual((await values('预算30万元'))['budget'], { amount: 300000, currency: 'CNY', per: 'total' });
  assert.deepEqual((await values('target price 0.6 USD/pc'))['budget'], {
    amount: 0.6,
    currency: 'USD',
    per: 'unit',
  });
  assert.deepEqual((await values('交货到东莞'))['deliveryPlace'], { name: '东莞', region: 'CN-GD' });
  assert.deepEqual((await values('delivery Hamburg'))['deliveryPlace'], { name: 'Hamburg', region: 'DE-HH' });
  assert.deepEqual((await values('DDP Milan'))['deliveryPlace'], { name: 'Milan', region: 'IT-MI' });
  // A city the gazetteer does not know: jieba's place-name tag finds it, without a region.
  assert.deepEqual((await values('需要500件，交货到湛江'))['deliveryPlace'], { name: '湛江' });
  assert.deepEqual((await values('送到江西赣州'))['deliveryPlace'], { name: '赣州' });
  assert.equal((await values('交货到客户指定仓库'))['deliveryPlace'], undefined);
  assert.equal(
    (await values('苏州周边的供应商优先'))['deliveryPlace'],
    undefined,
    'where suppliers are is not where goods go',
  );
});

test('process rules: specific over general, finishing-only services, negated treatments', async () => {
  const v1 = await values('铸件 sand casting, CNC机加工');
  assert.equal(v1['process'], 'sand-casting');
  assert.deepEqual(v1['categories'], ['casting', 'cnc-machining']);
  const v2 = await values('硬质阳极氧化加工，6061铝件1500件');
  assert.equal(v2['process'], 'hard-anodizing');
  assert.deepEqual(v2['categories'], ['surface-treatment']);
  const v3 = await values('10k anodized enclosures');
  assert.equal(v3['process'], undefined, 'an anodized product is not an anodizing service');
  assert.deepEqual(v3['finish'], ['anodizing']);
  const v4 = await values('锻件，20CrMnTi，渗碳淬火由我方负责');
  assert.equal(v4['finish'], undefined);
  assert.equal(v4['process'], 'forging');
});

// Rules made general from the hold-out sets' failures, checked here on phrasings none of the sets holds.
const HOLDOUT3_MONDAY = new Date('2027-03-15T09:00:00Z');

test('numbers buyers say: 4万5, 毛 and 块 prices, an amount after 一共, weights per piece', async () => {
  const now = HOLDOUT3_MONDAY;
  assert.deepEqual((await values('需要4万5个塑料扣，PP料', now))['quantity'], { value: 45000, unit: 'pcs' });
  assert.deepEqual((await values('单价5毛钱一个，数量10万', now))['budget'], {
    amount: 0.5,
    currency: 'CNY',
    per: 'unit',
  });
  assert.deepEqual((await values('单价一块二以内，2万个', now))['budget'], {
    amount: 1.2,
    currency: 'CNY',
    per: 'unit',
  });
  const v = await values('预算一共5万，做20套机架', now);
  assert.deepEqual(v['budget'], { amount: 50000, currency: 'CNY', per: 'total' });
  assert.deepEqual(v['quantity'], { value: 20, unit: 'sets' });
  assert.equal((await values('3块5mm的铝板', now))['budget'], undefined, '3 boards of 5 mm, not 3.5 元');
  assert.equal((await values('去毛刺，3毛坯件', now))['budget'], undefined, '毛坯 is not money');
  assert.deepEqual((await values('castings 12 kg each, 300 pcs', now))['quantity'], {
    value: 300,
    unit: 'pcs',
  });
  assert.deepEqual((await values('每件3.5公斤，月需求800件，QT450-10', now))['quantity'], {
    value: 800,
    unit: 'pcs',
  });
  const tool = await values('需要开两套压铸模，产品ADC12，年量10万件', now);
  assert.equal(tool['process'], 'tooling');
  assert.deepEqual(tool['quantity'], { value: 2, unit: 'sets' }, 'the moulds, not the parts they will make');
});

test('dates: a period with an amount is a rate, day-first dates, "by the 3rd", 元月, a time of day', async () => {
  const now = HOLDOUT3_MONDAY;
  const rate = await values('一个月大约50吨铝锭，先来10吨', now);
  assert.equal(rate['deadline'], undefined);
  assert.deepEqual(rate['quantity'], { value: 10000, unit: 'kg' });
  assert.deepEqual((await values('delivery 15.06.2027, 200 pcs', now))['deadline'], { date: '2027-06-15' });
  assert.deepEqual((await values('delivery 25/06/2027, 200 pcs', now))['deadline'], { date: '2027-06-25' });
  assert.deepEqual((await values('need it by 06/30/2027', now))['deadline'], { date: '2027-06-30' });
  assert.deepEqual((await values('must arrive by the 3rd, 40 pcs', now))['deadline'], { date: '2027-04-03' });
  assert.deepEqual((await values('元月15号前交货，500套', now))['deadline'], { date: '2028-01-15' });
  assert.equal((await values('单价5元月产量1万件', now))['deadline'], undefined, '5元 then 月产量');
  assert.deepEqual((await values('后天上午之前要到货，500个', now))['deadline'], {
    date: '2027-03-17',
    days: 2,
  });
});

test('a duration said as a deadline is not a rate, even with an amount after it', async () => {
  // 2 March 2026: four weeks on is 30 March.
  const now = new Date('2026-03-02T08:00:00Z');
  const within = await values('CNC machined 6061 brackets, within 4 weeks 2000 pcs, ±0.05', now);
  assert.deepEqual(within['deadline'], { date: '2026-03-30', days: 28 });
  assert.deepEqual(within['quantity'], { value: 2000, unit: 'pcs' });
  assert.deepEqual((await values('in 3 weeks 500 pcs of 6061 brackets', now))['deadline'], {
    date: '2026-03-23',
    days: 21,
  });
  assert.deepEqual((await values('30天内500件铝合金外壳', now))['deadline'], {
    date: '2026-04-01',
    days: 30,
  });
  assert.deepEqual((await values('一个月之内100件CNC铝件', now))['deadline'], {
    date: '2026-04-02',
    days: 31,
  });
  assert.deepEqual((await values('交期45天 500件CNC加工件', now))['deadline'], {
    date: '2026-04-16',
    days: 45,
  });
  // A period followed by an amount, said as neither, is still a rate.
  const rate = await values('一个月大概100吨', now);
  assert.equal(rate['deadline'], undefined);
  assert.deepEqual(rate['quantity'], { value: 100_000, unit: 'kg' });
  assert.equal((await values('a month about 5k pcs of M8 nuts', now))['deadline'], undefined);
});

test('terms: services named by outsourcing words, parts that need a treatment, what the buyer is or brings', async () => {
  const now = HOLDOUT3_MONDAY;
  const a = await values('委外做阳极氧化，铝件3000个', now);
  assert.equal(a['process'], 'anodizing');
  assert.deepEqual(a['categories'], ['surface-treatment']);
  const b = await values('我们是冲压厂，需要外协电镀镍，月量5万件', now);
  assert.equal(b['process'], 'nickel-plating', 'the buyer is a stamping shop; it wants plating');
  const c = await values('工件需要真空淬火，SKD11，约200公斤', now);
  assert.equal(c['process'], 'heat-treatment');
  const d = await values('螺丝需镀锌，10万颗', now);
  assert.equal(d['process'], undefined, 'plated screws to buy, not a plating service');
  assert.deepEqual(d['finish'], ['zinc-plating']);
  const e = await values('求购注塑件，模具我们提供，表面喷漆，1万个', now);
  assert.deepEqual(e['categories'], ['injection-moulding'], 'the buyer brings the mould');
  const f = await values('压铸件来料喷粉加工，每月2万件', now);
  assert.equal(f['process'], 'powder-coating', 'die-cast parts to coat, not to cast');
  assert.equal((await values('weld nuts M8, 5000 pcs', now))['process'], undefined);
  assert.equal((await values('车铣加工不锈钢轴 300件', now))['process'], 'turning');
  assert.deepEqual((await values('P20 mould inserts machined, 4 pcs', now))['material'], {
    family: 'tool-steel',
    grade: 'P20',
  });
  assert.deepEqual((await values('PPS加纤40%外壳', now))['material'], { family: 'pps', grade: 'PPS-GF40' });
  assert.deepEqual((await values('box build and SMT, 300 units', now))['categories'], [
    'assembly',
    'pcb-assembly',
  ]);
  assert.equal((await values('粉末冶金齿轮，10万件', now))['process'], 'powder-metallurgy');
});

test('places: more cities, "ship <city>" and a capitalised "Ship to" for unknown ones', async () => {
  const now = HOLDOUT3_MONDAY;
  assert.deepEqual((await values('ship Perth within 2 weeks, 100 pcs', now))['deliveryPlace'], {
    name: 'Perth',
    region: 'AU-WA',
  });
  assert.deepEqual((await values('200 brackets. Ship to Springfield.', now))['deliveryPlace'], {
    name: 'Springfield',
  });
});

test('places: 奥克兰 is Auckland or Oakland; the text decides, or no region is set', async () => {
  const now = HOLDOUT3_MONDAY;
  const alone = await parser.parse('需要500件CNC铝件，交货到奥克兰', { now });
  assert.deepEqual(alone.fields.deliveryPlace?.value, { name: '奥克兰' });
  assert.ok((alone.fields.deliveryPlace?.confidence ?? 1) <= 0.5);
  assert.ok(
    alone.warnings.some((w) => /Auckland.*Oakland/.test(w)),
    alone.warnings.join('; '),
  );
  assert.deepEqual((await values('需要500件CNC铝件，交货到新西兰奥克兰', now))['deliveryPlace'], {
    name: '奥克兰',
    region: 'NZ-AUK',
  });
  assert.deepEqual((await values('需要500件CNC铝件，交货到美国加州奥克兰', now))['deliveryPlace'], {
    name: '奥克兰',
    region: 'US-CA',
  });
  assert.deepEqual((await values('500 CNC parts, ship to Oakland', now))['deliveryPlace'], {
    name: 'Oakland',
    region: 'US-CA',
  });
  assert.deepEqual((await values('500 CNC parts, ship to Auckland', now))['deliveryPlace'], {
    name: 'Auckland',
    region: 'NZ-AUK',
  });
});

test('language: unit and standard abbreviations among Chinese words are codes, not English', async () => {
  const spec = await parser.parse('月需求20萬pcs，需符合UL與RoHS', { now: HOLDOUT3_MONDAY });
  assert.equal(spec.language, 'zh-Hant');
});
