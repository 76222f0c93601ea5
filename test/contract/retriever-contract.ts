/**
 * The Retriever contract: every implementation (Fts5Retriever, HybridRetriever, …) passes this suite.
 *
 * @example
 * retrieverContract('Fts5Retriever', async () => new Fts5Retriever());
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Retriever, RetrieverDoc } from '../../src/matching/retriever/index.js';
import { isWeftError } from '../../src/util/errors.js';

export const CATALOGUE: RetrieverDoc[] = [
  {
    id: 'bracket',
    title: 'Aluminum Angle Bracket 2 in. x 2 in.',
    text: 'Anodized 6061-T6 aluminum, CNC machined',
  },
  {
    id: 'flange',
    title: 'Stainless Steel Weld Neck Flange DN50',
    fields: { material: '304 stainless', standard: 'EN 1092-1' },
  },
  {
    id: 'drill',
    title: 'DEWALT 20-Volt MAX Cordless Drill DCD771C2',
    text: 'Compact drill/driver kit with two batteries',
  },
  { id: 'pipe', title: '1/2 in. x 10 ft. PVC Schedule 40 Pipe' },
  { id: 'pipe-34', title: '3/4 in. x 10 ft. PVC Schedule 40 Pipe' },
  { id: 'screws', title: 'Deck Screws #8 x 2-1/2 in. (1 lb. box)', fields: { finish: 'galvanized' } },
  { id: 'zh-flange', title: '304不锈钢法兰 DN50', text: '焊接法兰,适用于化工管道' },
  { id: 'zh-housing', title: '铝合金外壳 阳极氧化', text: 'CNC加工,公差±0.01mm' },
];

/** The ids in a hit list. */
const ids = (hits: Array<{ id: string }>) => hits.map((h) => h.id);

export function retrieverContract(name: string, create: () => Promise<Retriever>): void {
  describe(`Retriever contract: ${name}`, () => {
    let r: Retriever;
    beforeEach(async () => {
      r = await create();
      await r.index(CATALOGUE);
    });
    afterEach(async () => {
      await r.close();
    });

    it('finds a document by the words of its title, best first', async () => {
      const hits = await r.search('cordless drill');
      assert.equal(hits[0]?.id, 'drill');
    });

    it('finds documents through their text and fields', async () => {
      assert.equal((await r.search('two batteries'))[0]?.id, 'drill');
      assert.ok(ids(await r.search('galvanized')).includes('screws'));
    });

    it('returns hits sorted by score, each id once', async () => {
      const hits = await r.search('aluminum stainless steel flange bracket', { limit: 10 });
      assert.ok(hits.length >= 2);
      for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score);
      assert.equal(new Set(ids(hits)).size, hits.length);
    });

    it('answers the same query the same way', async () => {
      assert.deepEqual(await r.search('steel flange'), await r.search('steel flange'));
    });

    it('counts its documents', async () => {
      assert.equal(await r.size(), CATALOGUE.length);
    });

    it('upserts: indexing an id again replaces the document', async () => {
      await r.index([{ id: 'drill', title: 'Orbital Sander 5 in.' }]);
      assert.equal(await r.size(), CATALOGUE.length);
      // Old words no longer find it first (a semantic ranking may still list it, lower).
      assert.notEqual((await r.search('cordless drill'))[0]?.id, 'drill');
      assert.equal((await r.search('orbital sander'))[0]?.id, 'drill');
    });

    it('removes documents; unknown ids are ignored', async () => {
      await r.remove(['pipe', 'no-such-id']);
      assert.equal(await r.size(), CATALOGUE.length - 1);
      assert.ok(!ids(await r.search('pvc pipe')).includes('pipe'));
      await r.remove(['pipe']);
      assert.equal(await r.size(), CATALOGUE.length - 1);
    });

    it('a removed document can be indexed again', async () => {
      await r.remove(['pipe']);
      await r.index([{ id: 'pipe', title: '3/4 in. Copper Pipe' }]);
      assert.equal((await r.search('copper pipe'))[0]?.id, 'pipe');
    });

    it('honours the limit, and the default limit', async () => {
      const many = Array.from({ length: 30 }, (_, i) => ({
        id: `bolt-${i}`,
        title: `Hex Bolt M${i + 3} steel`,
      }));
      await r.index(many);
      assert.equal((await r.search('hex bolt steel', { limit: 5 })).length, 5);
      assert.equal((await r.search('hex bolt steel')).length, 10);
      assert.equal((await r.search('hex bolt steel', { limit: 1 })).length, 1);
    });

    it('an empty or blank query finds nothing', async () => {
      assert.deepEqual(await r.search(''), []);
      assert.deepEqual(await r.search('   \n\t'), []);
    });

    it('a query of only unknown words finds nothing lexical (and does not throw)', async () => {
      const hits = await r.search('zzzqqq xxyyzz');
      assert.ok(Array.isArray(hits));
    });

    it('refuses a query over the size limit with TOO_LARGE', async () => {
      await assert.rejects(r.search('drill '.repeat(2000)), (e) => isWeftError(e, 'TOO_LARGE'));
    });

    it('refuses a bad limit with BAD_REQUEST', async () => {
      for (const limit of [0, -1, 1.5, 1_000_000]) {
        await assert.rejects(r.search('drill', { limit }), (e) => isWeftError(e, 'BAD_REQUEST'));
      }
    });

    it('refuses a bad document and indexes nothing of that batch', async () => {
      const bad = [
        { id: 'ok-one', title: 'Good Widget' },
        { id: 'bad', title: 42 },
      ] as unknown as RetrieverDoc[];
      await assert.rejects(r.index(bad), (e) => isWeftError(e, 'BAD_REQUEST'));
      assert.ok(!ids(await r.search('good widget')).includes('ok-one'));
      await assert.rejects(r.index([{ id: 'big', title: 'x'.repeat(200_000) }]), (e) =>
        isWeftError(e, 'TOO_LARGE'),
      );
      await assert.rejects(r.index([{ id: '', title: 'no id' }]), (e) => isWeftError(e, 'BAD_REQUEST'));
      assert.equal(await r.size(), CATALOGUE.length);
    });

    it('accepts an empty batch', async () => {
      await r.index([]);
      await r.remove([]);
      assert.equal(await r.size(), CATALOGUE.length);
    });

    it('finds Chinese documents with Chinese queries', async () => {
      assert.equal((await r.search('不锈钢法兰'))[0]?.id, 'zh-flange');
      assert.equal((await r.search('阳极氧化外壳'))[0]?.id, 'zh-housing');
    });

    it('finds Chinese documents with English queries and English ones with Chinese (glossary)', async () => {
      const en = ids(await r.search('stainless steel'));
      assert.ok(en.includes('zh-flange') && en.includes('flange'), `flange and zh-flange in ${en}`);
      const anodised = ids(await r.search('anodized aluminium housing'));
      assert.ok(anodised.slice(0, 2).includes('zh-housing'), `zh-housing in the first two of ${anodised}`);
      const zh = ids(await r.search('阳极氧化铝合金'));
      assert.ok(zh.includes('bracket'), `bracket in ${zh}`);
      assert.equal(zh[0], 'zh-housing');
    });

    it('meets units and model numbers however they are written', async () => {
      assert.equal((await r.search('1/2-inch pvc 10 feet'))[0]?.id, 'pipe');
      assert.equal((await r.search('0.5" PVC pipe'))[0]?.id, 'pipe');
      assert.equal((await r.search('pvc pipe 3/4"'))[0]?.id, 'pipe-34');
      assert.equal((await r.search('dcd771c2'))[0]?.id, 'drill');
      assert.equal((await r.search('20v drill'))[0]?.id, 'drill');
    });

    it('fails clearly once closed', async () => {
      await r.close();
      await assert.rejects(r.search('drill'), (e) => isWeftError(e));
      r = await create(); // for afterEach
    });
  });
}
