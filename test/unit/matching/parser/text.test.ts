import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Gazetteer,
  Glossary,
  parseChineseNumeral,
  parseNumber,
  QUANTITY_UNITS,
  Segmenter,
  TextNormalizer,
  toHalfWidth,
  toMillimetres,
} from '../../../../src/matching/text/index.js';

test('full-width characters fold to half-width one for one, keeping the Chinese comma', () => {
  assert.equal(toHalfWidth('ＣＮＣ５０００ｐｃｓ：±０.０１ｍｍ'), 'CNC5000pcs:±0.01mm');
  assert.equal(toHalfWidth('Q235，200组'), 'Q235，200组');
  assert.equal(toHalfWidth('a\u3000b'), 'a b');
  const s = '數量：五千件，交貨到東莞';
  assert.equal(toHalfWidth(s).length, s.length);
});

test('Traditional Chinese (Taiwan and Hong Kong forms) normalises to Simplified with spans kept', () => {
  const n = new TextNormalizer();
  const r = n.normalize('需要五千件鋁合金陽極氧化外殼，交貨到東莞');
  assert.equal(r.text, '需要五千件铝合金阳极氧化外壳，交货到东莞');
  assert.equal(r.aligned, true);
  assert.ok(r.changedHan >= 5);
  // 銹 is the Hong Kong form of 鏽.
  assert.equal(n.toSimplified('不銹鋼 不鏽鋼'), '不锈钢 不锈钢');
  const simplified = n.normalize('需要5000件304不锈钢CNC加工零件');
  assert.equal(simplified.changedHan, 0);
  assert.equal(n.normalize('line one\nline\ttwo').text, 'line one line two');
});

test('Chinese numerals and magnitudes', () => {
  const cases: Array<[string, number]> = [
    ['五千', 5000],
    ['3万', 30000],
    ['1.5万', 15000],
    ['两千', 2000],
    ['十万', 100000],
    ['一万二', 12000],
    ['两千五', 2500],
    ['两万五千', 25000],
    ['一万零五', 10005],
    ['十五', 15],
    ['二十', 20],
    ['三百五', 350],
    ['2万5', 25000],
    ['10k', 10000],
    ['2.5K', 2500],
    ['1w', 10000],
    ['20,000', 20000],
    ['0.35', 0.35],
  ];
  for (const [s, n] of cases) assert.equal(parseNumber(s), n, s);
  assert.equal(parseChineseNumeral('半'), 0.5);
  assert.equal(parseNumber('abc'), undefined);
  assert.equal(parseNumber('1.2.3'), undefined);
  assert.equal(parseNumber(''), undefined);
});

test('units: quantity words, lengths in millimetres (1丝 = 0.01 mm)', () => {
  assert.deepEqual(QUANTITY_UNITS['件'], { unit: 'pcs', factor: 1 });
  assert.deepEqual(QUANTITY_UNITS['套'], { unit: 'sets', factor: 1 });
  assert.deepEqual(QUANTITY_UNITS['吨'], { unit: 'kg', factor: 1000 });
  assert.deepEqual(QUANTITY_UNITS['pcs'], { unit: 'pcs', factor: 1 });
  assert.equal(toMillimetres(2, '丝'), 0.02);
  assert.equal(toMillimetres(0.01, 'mm'), 0.01);
  assert.equal(toMillimetres(5, 'μm'), 0.005);
  assert.equal(toMillimetres(0.0005, '"'), 0.0127);
  assert.equal(toMillimetres(1, 'furlong'), undefined);
});

test('segmentation keeps domain words whole and lower-cases Latin tokens', () => {
  const s = new Segmenter();
  const tokens = s.segment('需要304不锈钢CNC加工零件，阳极氧化，IATF16949认证，交货到东莞');
  for (const w of ['不锈钢', 'cnc加工', '阳极氧化', 'iatf16949', '东莞'])
    assert.ok(tokens.includes(w), `${w} in ${tokens}`);
  assert.ok(!tokens.includes('，'), 'punctuation dropped');
  const en = s.segment('10k 6061-T6 anodized enclosures');
  assert.ok(en.includes('anodized') && en.includes('enclosures'));
  assert.deepEqual(s.segment('  ,，。'), []);
  assert.deepEqual(s.tag('交货到湛江').at(-1), { word: '湛江', tag: 'ns' });
});

test('glossary: longest match wins, grades need their family, certifications normalise', () => {
  const g = new Glossary();
  const terms = g.findTerms(
    '需要304不锈钢CNC加工零件,硬质阳极氧化, hot-dip galvanized steel, ISO 9001:2015, UL94 V-0',
  );
  const byText = new Map(terms.map((t) => [t.text, t.facets]));
  assert.deepEqual(byText.get('304')?.[0], {
    kind: 'material',
    family: 'stainless-steel',
    grade: '304',
    generic: false,
    needsFamily: true,
  });
  assert.equal(byText.get('硬质阳极氧化')?.[0]?.kind, 'finish');
  assert.ok(!byText.has('阳极氧化'), 'the shorter alias inside is not matched');
  assert.deepEqual(byText.get('hot-dip galvanized')?.[0], {
    kind: 'finish',
    id: 'hot-dip-galvanizing',
    group: 'surface',
    generic: false,
  });
  assert.deepEqual(byText.get('ISO 9001:2015')?.[0], { kind: 'certification', id: 'ISO9001' });
  assert.ok(![...byText.keys()].some((k) => k.startsWith('UL')), 'UL94 is a flammability rating, not UL');
  // A bare number is a grade only when its family is named.
  assert.equal(
    g.findTerms('需要304件').some((t) => t.facets.some((f) => f.kind === 'material')),
    false,
  );
  const ids = (text: string) =>
    g
      .findTerms(text)
      .flatMap((t) => t.facets.map((f) => ('id' in f ? f.id : 'family' in f ? f.family : f.kind)));
  assert.deepEqual(ids('IATF 16949 and ISO/TS16949'), ['IATF16949', 'IATF16949']);
  assert.deepEqual(ids('6061-T6 aluminium'), ['aluminium', 'aluminium']);
  assert.deepEqual(ids('PCB贴片'), ['pcb-assembly']);
  assert.deepEqual(ids('抗氧化'), [], 'a stop word hides 氧化');
});

test('glossary expands a word to its zh and en aliases', () => {
  const g = new Glossary();
  const anod = g.expand('阳极氧化');
  assert.ok(anod.includes('anodizing') && anod.includes('anodized'));
  assert.ok(g.expand('stainless').includes('不锈钢'));
  assert.ok(g.expand('CNC加工').includes('CNC machining'));
  assert.ok(g.expand('sheet metal').includes('钣金'));
  assert.deepEqual(g.expand('banana'), []);
  assert.ok(g.chineseWords().includes('阳极氧化'));
});

test('gazetteer finds Chinese and Latin city names with region codes', () => {
  const places = new Gazetteer().find('交货到东莞, ship to Querétaro or Gyor, Hamburg; 苏州昆山');
  assert.deepEqual(
    places.map((p) => [p.text, p.place?.region]),
    [
      ['东莞', 'CN-GD'],
      ['Querétaro', 'MX-QUE'],
      ['Gyor', 'HU-GS'],
      ['Hamburg', 'DE-HH'],
      ['苏州', 'CN-JS'],
      ['昆山', 'CN-JS'],
    ],
  );
  assert.deepEqual(new Gazetteer().find('Hamburger and Stuttgarter'), [], 'whole words only');
});

test('gazetteer: a name two places share is picked by the other words of the text, or left open', () => {
  const g = new Gazetteer();
  const [alone] = g.find('交货到奥克兰');
  assert.equal(alone?.place, undefined);
  assert.deepEqual(alone?.candidates.map((c) => c.region).sort(), ['NZ-AUK', 'US-CA']);
  assert.equal(g.find('新西兰奥克兰')[0]?.place?.region, 'NZ-AUK');
  assert.equal(g.find('美国加州奥克兰')[0]?.place?.region, 'US-CA');
  assert.equal(g.find('奥克兰, California')[0]?.place?.region, 'US-CA');
  assert.equal(g.find('奥克兰 (NZ)')[0]?.place?.region, 'NZ-AUK');
  assert.equal(g.find('奥克兰，新西兰或美国')[0]?.place, undefined, 'both named: still open');
  assert.equal(g.find('contact us, 奥克兰')[0]?.place, undefined, '"us" is not the USA');
  assert.equal(g.find('Oakland')[0]?.place?.region, 'US-CA');
  assert.equal(g.find('Auckland')[0]?.place?.region, 'NZ-AUK');
});
