import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Analyser,
  defaultAnalyserOptions,
  formatNumber,
  parseSize,
} from '../../../../src/matching/retriever/index.js';

const a = new Analyser();
const toks = (s: string) => a.tokens(s);
/** True when every token of `want` is in the analysis of `text`. */
const has = (text: string, ...want: string[]) => {
  const got = toks(text);
  for (const w of want) assert.ok(got.includes(w), `${JSON.stringify(text)} → [${got.join(' ')}] lacks ${w}`);
};

describe('Analyser', () => {
  it('lower-cases, drops stop words and stems', () => {
    assert.deepEqual(toks('The Screws for Decks'), ['screw', 'deck']);
  });

  it('writes one number+unit token however the size is spelt', () => {
    for (const s of [
      '1/2 in. pipe',
      '1/2-inch pipe',
      '0.5 in pipe',
      '1/2" pipe',
      '.5 inch pipe',
      '½ in. pipe',
    ]) {
      has(s, '0.5in', 'pipe');
    }
    has('1-1/2 in. screw', '1.5in');
    has('1 1/2 inch screw', '1.5in');
    has('59-3/8 in. door', '59.375in');
    has('12-volt drill', '12v');
    has('12V drill', '12v');
    has('12 volts', '12v');
    has('5 sq. ft. per box', '5sqft');
    has('1.9 cu. ft. microwave', '1.9cuft');
    has('1,200 lb. capacity', '1200lb');
    has("10' hose", '10ft');
    has("1/2' hose", '0.5in'); // a fraction of a foot is an inch typed with the wrong mark
  });

  it('keeps the bare number beside a number+unit token', () => {
    has('3/4 in. plywood', '0.75in', '0.75');
    const bare = new Analyser({ ...defaultAnalyserOptions, bareNumbers: false });
    assert.ok(!bare.tokens('3/4 in. plywood').includes('0.75'));
  });

  it('joins a number with the word after it (3-Light, 3 light)', () => {
    has('Lithonia 3-Light Flush Mount', '3light', 'light', '3');
    has('3 light flush mount', '3light');
  });

  it('writes dimensions as AxB however they are spelt', () => {
    for (const s of ['2x4 stud', '2 x 4 stud', '2 in. x 4 in. stud', '2X4 stud']) has(s, '2x4');
    has('36 in. x 80 in. door', '36x80', '36in', '80in');
  });

  it('joins model numbers and keeps their parts and stem', () => {
    has('Sony KDL-40V4100', 'kdl40v4100', 'kdl', '40v4100');
    has('kdl40v4100', 'kdl40v4100');
    has('DSC-W120/P', 'dscw120p', 'dscw120');
    has('dscw120p', 'dscw120p', 'dscw120');
  });

  it('splits and joins compounds', () => {
    has('BEHR DeckOver coating', 'deckov', 'deck', 'over');
    has('deck-over coating', 'deckov', 'deck', 'over');
    has('Over-the-Range Microwave', 'over', 'rang', 'overtherang');
  });

  it('expands abbreviations and spelling variants', () => {
    assert.deepEqual(toks('galv steel'), toks('galvanized steel'));
    assert.deepEqual(toks('aluminium'), toks('aluminum'));
    assert.deepEqual(toks('grey'), toks('gray'));
  });

  it('folds Unicode: full-width forms and Latin diacritics', () => {
    assert.deepEqual(toks('ＰＶＣ　ｐｉｐｅ'), toks('PVC pipe'));
    assert.deepEqual(toks('Cámara'), toks('camara'));
  });

  it('turns Chinese runs into character unigrams and bigrams by default', () => {
    assert.deepEqual(toks('不锈钢'), ['不', '不锈', '锈', '锈钢', '钢']);
    has('304不锈钢CNC加工', '304', '不锈', 'cnc', '加工');
  });

  it('uses the segment function when given, and the normalise function first', () => {
    const seg = new Analyser(defaultAnalyserOptions, {
      segment: (s) => (s === '不锈钢法兰' ? ['不锈钢', '法兰'] : [...s]),
      normalise: (s) => s.replace('不鏽鋼', '不锈钢'),
    });
    assert.deepEqual(seg.tokens('不鏽鋼法兰'), ['不锈钢', '法兰']);
  });

  it('finds the head noun of a product name', () => {
    assert.equal(a.head('Showerdoordirect 98 in. Frameless Shower Door Seal for 1/4 in. Glass'), 'seal');
    assert.equal(a.head('Delta Vero 1-Handle Shower Faucet Trim Kit in Chrome (Valve Not Included)'), 'kit');
    assert.equal(a.head('frameless glass shower doors'), 'door');
    assert.equal(a.head('1/2 in. x 10 ft. PVC Pipe'), 'pipe');
    assert.equal(a.head('12 in.'), undefined);
  });

  it('never throws on odd input', () => {
    for (const s of ['', '   ', '\u0000\u0001', '////', '1/0 in', '💥🔩', 'x'.repeat(10_000), '"\'"\'']) {
      assert.ok(Array.isArray(toks(s)));
    }
    assert.deepEqual(toks(''), []);
  });
});

describe('numbers', () => {
  it('parses integers, decimals, fractions and mixed numbers', () => {
    assert.equal(parseSize('12'), 12);
    assert.equal(parseSize('1.5'), 1.5);
    assert.equal(parseSize('3/4'), 0.75);
    assert.equal(parseSize('1-1/2'), 1.5);
    assert.equal(parseSize('1/0'), undefined);
    assert.equal(parseSize('abc'), undefined);
  });

  it('formats with at most three decimals and no trailing zeros', () => {
    assert.equal(formatNumber(0.5), '0.5');
    assert.equal(formatNumber(1 / 3), '0.333');
    assert.equal(formatNumber(12), '12');
  });
});
