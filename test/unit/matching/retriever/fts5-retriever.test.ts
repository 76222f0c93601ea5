import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import {
  defaultAnalyserOptions,
  defaultFts5RetrieverOptions,
  Fts5Retriever,
} from '../../../../src/matching/retriever/index.js';
import { isWeftError } from '../../../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-retriever-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const DOCS = [
  { id: 'a', title: 'BEHR Premium DeckOver 1-gal. Wood Coating' },
  { id: 'b', title: 'Deck Screws #8 x 2-1/2 in.' },
  { id: 'c', title: 'Wheelbarrow 6 cu. ft. Steel' },
  { id: 'd', title: 'Freezer 7 cu. ft. Chest' },
];

describe('Fts5Retriever', () => {
  it('keeps its index in a file database across restarts', async () => {
    const path = join(dir, 'persist.db');
    const first = new Fts5Retriever(defaultFts5RetrieverOptions, { db: new Database(path) });
    await first.index(DOCS);
    const before = await first.search('deck over coating');
    await first.close();
    const db = new Database(path);
    const second = new Fts5Retriever(defaultFts5RetrieverOptions, { db });
    assert.equal(await second.size(), DOCS.length);
    assert.deepEqual(await second.search('deck over coating'), before);
    assert.equal(before[0]?.id, 'a');
    await second.close();
    db.close();
  });

  it('analyses its documents again from their source when the analysis changes', async () => {
    const db = new Database(':memory:');
    const stemmed = new Fts5Retriever(defaultFts5RetrieverOptions, { db });
    await stemmed.index(DOCS);
    assert.equal((await stemmed.search('screwing'))[0]?.id, 'b');
    const plain = {
      ...defaultFts5RetrieverOptions,
      analyser: { ...defaultAnalyserOptions, stemmer: 'none' as const },
    };
    const unstemmed = new Fts5Retriever(plain, { db });
    // Without stemming, `screwing` is not `screws`: only true if the stored tokens were made again.
    assert.deepEqual(await unstemmed.search('screwing'), []);
    assert.equal((await unstemmed.search('screws'))[0]?.id, 'b');
    assert.equal(await unstemmed.size(), DOCS.length);
    // Reopening with the same analysis keeps the index as it is.
    const again = new Fts5Retriever(plain, { db });
    assert.deepEqual(await again.search('screws'), await unstemmed.search('screws'));
    db.close();
  });

  it('does not close a database handed to it, and shares it with other tables', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE other (x INTEGER)');
    const one = new Fts5Retriever({ ...defaultFts5RetrieverOptions, table: 'one' }, { db });
    const two = new Fts5Retriever({ ...defaultFts5RetrieverOptions, table: 'two' }, { db });
    await one.index([DOCS[0]!]);
    await two.index([DOCS[1]!]);
    assert.deepEqual(
      (await one.search('deck')).map((h) => h.id),
      ['a'],
    );
    assert.deepEqual(
      (await two.search('deck')).map((h) => h.id),
      ['b'],
    );
    await one.close();
    assert.equal(db.prepare('SELECT count(*) AS n FROM other').get() !== undefined, true);
    await two.close();
    db.close();
  });

  it('refuses a table name that is not a plain identifier', () => {
    assert.throws(
      () => new Fts5Retriever({ ...defaultFts5RetrieverOptions, table: 'x; DROP TABLE y' }),
      (e) => isWeftError(e, 'CONFIG'),
    );
  });

  it('keeps document frequencies right through upserts and removals', async () => {
    const r = new Fts5Retriever();
    await r.index(DOCS);
    await r.index([{ id: 'b', title: 'Lag Bolts' }]);
    await r.remove(['a']);
    // 'deck' is now in no document: the plan sees df 0 and the search finds nothing.
    assert.deepEqual(await r.search('deck'), []);
    await r.index([{ id: 'e', title: 'Deck Board' }]);
    assert.deepEqual(
      (await r.search('deck')).map((h) => h.id),
      ['e'],
    );
    await r.close();
  });

  it('corrects spelling and splits compounds against its own vocabulary', async () => {
    const r = new Fts5Retriever();
    await r.index(DOCS);
    assert.equal((await r.search('frezer chest'))[0]?.id, 'd');
    assert.equal((await r.search('deckscrews'))[0]?.id, 'b');
    assert.equal((await r.search('wheel barrow'))[0]?.id, 'c');
    await r.close();
  });

  it('explains a ranking with its features', async () => {
    const r = new Fts5Retriever();
    await r.index(DOCS);
    const [hit] = r.explain('steel wheelbarrow', { limit: 1 });
    assert.equal(hit?.id, 'c');
    assert.equal(hit?.features.coverage, 1);
    assert.equal(hit?.features.bm, 1);
    await r.close();
  });

  it('answers in FTS5 order when re-ranking is off', async () => {
    const r = new Fts5Retriever({ ...defaultFts5RetrieverOptions, rerank: false });
    await r.index(DOCS);
    assert.equal((await r.search('cu ft freezer'))[0]?.id, 'd');
    await r.close();
  });

  it('segments Chinese with jieba and folds Traditional to Simplified when asked', async () => {
    const r = new Fts5Retriever({ ...defaultFts5RetrieverOptions, chinese: 'jieba' });
    await r.index([
      { id: 'tw', title: '304不鏽鋼法蘭 焊接' },
      { id: 'al', title: '鋁合金外殼 陽極氧化' },
      { id: 'en', title: 'Welded steel frame' },
    ]);
    assert.equal((await r.search('不锈钢法兰'))[0]?.id, 'tw');
    assert.equal((await r.search('铝合金外壳'))[0]?.id, 'al');
    assert.equal((await r.search('stainless steel'))[0]?.id, 'tw');
    assert.ok((await r.search('焊接')).map((h) => h.id).includes('en'));
    await r.close();
  });

  it('leaves common terms out of the first stage only when rarer ones are there', async () => {
    const r = new Fts5Retriever({ ...defaultFts5RetrieverOptions, commonTermShare: 0.5 });
    await r.index([...DOCS, { id: 'e', title: 'Steel Deck Board' }, { id: 'f', title: 'Steel Shelf' }]);
    // 'steel' is in 3 of 6 documents (not over half); 'deck' in 3: all stay.
    assert.ok((await r.search('steel deck')).length >= 4);
    // Only common words: they are all used.
    const r2 = new Fts5Retriever({ ...defaultFts5RetrieverOptions, commonTermShare: 0.1 });
    await r2.index(DOCS);
    assert.ok((await r2.search('deck')).length >= 2);
    await r.close();
    await r2.close();
  });
});
