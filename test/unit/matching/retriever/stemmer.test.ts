import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { porter2, sStem } from '../../../../src/matching/retriever/index.js';

describe('porter2', () => {
  it('stems like the Snowball English reference vocabulary', () => {
    // Pairs from https://snowballstem.org/algorithms/english/stemmer.html (voc.txt / output.txt).
    const pairs: Array<[string, string]> = [
      ['consign', 'consign'],
      ['consigned', 'consign'],
      ['consignment', 'consign'],
      ['consistency', 'consist'],
      ['consolation', 'consol'],
      ['consolatory', 'consolatori'],
      ['consolidate', 'consolid'],
      ['conspiracy', 'conspiraci'],
      ['constable', 'constabl'],
      ['knackeries', 'knackeri'],
      ['kneeling', 'kneel'],
      ['knightly', 'knight'],
      ['knitting', 'knit'],
      ['knives', 'knive'],
      ['generously', 'generous'],
      ['communication', 'communic'],
      ['hopping', 'hop'],
      ['hoped', 'hope'],
      ['caresses', 'caress'],
      ['ponies', 'poni'],
      ['ties', 'tie'],
      ['agreed', 'agre'],
      ['troubled', 'troubl'],
      ['sized', 'size'],
      ['filing', 'file'],
      ['happy', 'happi'],
      ['relational', 'relat'],
      ['conditional', 'condit'],
      ['electrical', 'electr'],
      ['batteries', 'batteri'],
      ['dying', 'die'],
      ['news', 'news'],
      ['gaps', 'gap'],
      ['gas', 'gas'],
      ['cry', 'cri'],
      ['by', 'by'],
      ['say', 'say'],
    ];
    for (const [word, stem] of pairs) assert.equal(porter2(word), stem, word);
  });

  it('brings inflections of catalogue words together', () => {
    assert.equal(porter2('screws'), porter2('screw'));
    assert.equal(porter2('faucets'), porter2('faucet'));
    assert.equal(porter2('lighting'), porter2('lights'));
    assert.equal(porter2('machining'), porter2('machined'));
  });

  it('leaves non-words alone', () => {
    assert.equal(porter2('dcd771c2'), 'dcd771c2');
    assert.equal(porter2('ab'), 'ab');
    assert.equal(porter2('不锈钢'), '不锈钢');
  });
});

describe('sStem', () => {
  it('removes plural endings only', () => {
    assert.equal(sStem('batteries'), 'battery');
    assert.equal(sStem('boxes'), 'boxe');
    assert.equal(sStem('screws'), 'screw');
    assert.equal(sStem('glass'), 'glass');
    assert.equal(sStem('cactus'), 'cactus');
    assert.equal(sStem('machining'), 'machining');
  });
});
