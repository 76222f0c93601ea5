/**
 * Time series of twin properties in SQLite: raw samples, plus 1-minute and 1-hour aggregates
 * (min/max/avg/last/count), with a retention per resolution.
 *
 * Write path (the hot one, all synchronous better-sqlite3 calls):
 * 1. `append()` puts each sample in a flat buffer and folds it into its series' open 1-minute bucket.
 * 2. `flush()` (every `tickMs`, or when `batchSize` samples wait) writes the buffer in one transaction
 *    as multi-row INSERTs into a *landing* table: a plain rowid table with no index, so every batch is
 *    a sequential append and touches few pages.
 * 3. Every `compactIntervalMs` the landing tables swap; the full one is moved into `twin_samples`
 *    (clustered by series, then time) in series order, a slice of series at a time (one transaction
 *    each, one per event-loop turn), then emptied.
 *    Inserting straight into the clustered table instead would dirty one page per series per batch:
 *    with 20,000 series that is a 4 KiB WAL write per sample, and the measured rate fell from ~220,000
 *    to ~64,000 samples/s by 6 M rows; through the landing tables it stayed at ~100,000–200,000 up to
 *    12 M rows (bench on a shared 2-vCPU VM, 5,000-sample batches, 20,000 series).
 * 4. Closed 1-minute buckets are merged (upsert: n + n, min of mins, …) into `twin_agg_1m` in the
 *    next flush, and folded into the series' open hour, which is merged into `twin_agg_1h` when it
 *    closes (one row per series per hour, not per minute). Merging makes a bucket emitted twice (a restart, a late sample,
 *    a history import) still come out exact.
 *
 * Retention runs per series over the clustered key (`DELETE … WHERE series_id = ? AND ts < ?`),
 * a slice of series per tick. Queries pick the coarsest table whose bucket divides the resolution
 * asked for, and fold rows into buckets in JS (so `last` is exact across merged rows).
 */
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { TelemetrySample } from './types.js';

/**
 * The time-series schema (SQLite). Idempotent (`IF NOT EXISTS`); meant to move into a store migration.
 * Tables are STRICT; column names avoid SQL keywords and function names so PostgreSQL can keep them.
 * `flags`: bit 0 = the sample was `stale`, bit 1 = the value is a boolean (stored as 0/1 in `num`).
 */
/** The columns of a raw sample (the clustered table and the two landing tables share them). */
const SAMPLE_COLUMNS = `
  series_id INTEGER NOT NULL,
  ts        INTEGER NOT NULL,
  seq       INTEGER NOT NULL,
  num       REAL,
  txt       TEXT,
  flags     INTEGER NOT NULL`;

/** One aggregate table (1-minute or 1-hour buckets): count, min/max/sum and the last value. */
const aggregateTable = (name: string) => `
CREATE TABLE IF NOT EXISTS ${name} (
  series_id  INTEGER NOT NULL,
  bucket     INTEGER NOT NULL,
  n          INTEGER NOT NULL,
  num_n      INTEGER NOT NULL,
  v_min      REAL,
  v_max      REAL,
  v_sum      REAL,
  last_ts    INTEGER NOT NULL,
  last_seq   INTEGER NOT NULL,
  last_num   REAL,
  last_txt   TEXT,
  last_flags INTEGER NOT NULL,
  PRIMARY KEY (series_id, bucket)
) STRICT, WITHOUT ROWID;`;

export const TWINS_SQL = `
CREATE TABLE IF NOT EXISTS twin_series (
  id       INTEGER PRIMARY KEY,
  asset    TEXT NOT NULL,
  property TEXT NOT NULL,
  UNIQUE (asset, property)
) STRICT;
CREATE TABLE IF NOT EXISTS twin_samples (${SAMPLE_COLUMNS},
  PRIMARY KEY (series_id, ts, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS twin_landing_0 (${SAMPLE_COLUMNS}
) STRICT;
CREATE TABLE IF NOT EXISTS twin_landing_1 (${SAMPLE_COLUMNS}
) STRICT;
${aggregateTable('twin_agg_1m')}
${aggregateTable('twin_agg_1h')}
`;

export interface TimeseriesOptions {
  /** Flush as soon as this many samples wait (besides every tick). */
  batchSize: number;
  /** Period of the flush / maintenance tick, ms. */
  tickMs: number;
  /** Rows per multi-row INSERT statement (6 parameters a row; SQLite allows 32,766). */
  rowsPerStatement: number;
  /** Samples buffered beyond this (the disk stalls) are dropped and counted, oldest first kept. */
  maxBufferedSamples: number;
  /**
   * How often the landing tables swap and the full one is moved into `twin_samples`, ms. Each move
   * dirties about one page per series, so a longer interval writes less WAL; but raw reads scan the
   * (unindexed) landing tables, which hold up to two intervals of samples.
   */
  compactIntervalMs: number;
  /**
   * About how many landing rows one compaction slice moves; a slice is one synchronous transaction.
   * Moving a row costs ~5–10 µs once the table outgrows the page cache (measured, 20,000 series):
   * 4,000 rows keep a slice around 20–40 ms.
   */
  compactSliceRows: number;
  /** An open 1-minute bucket is closed once the clock is this far past its end, ms. */
  aggregateGraceMs: number;
  /** Raw samples older than this (by source time) are deleted; null keeps them. */
  rawRetentionMs: number | null;
  /** 1-minute aggregates older than this are deleted; null keeps them. */
  minuteRetentionMs: number | null;
  /** 1-hour aggregates older than this are deleted; null keeps them. */
  hourRetentionMs: number | null;
  /** How often retention runs, ms. */
  retentionIntervalMs: number;
  /** Series handled per retention slice. */
  retentionSliceSeries: number;
  /** Most rows one query reads. */
  maxQueryRows: number;
}

export const defaultTimeseriesOptions: TimeseriesOptions = {
  batchSize: 5000,
  tickMs: 200,
  rowsPerStatement: 500,
  maxBufferedSamples: 200_000,
  compactIntervalMs: 15_000,
  compactSliceRows: 4000,
  aggregateGraceMs: 5_000,
  // 20,000 properties at 1 Hz are ~1.7 billion raw rows a day: keep raw data short, aggregates long.
  rawRetentionMs: 24 * 3600_000,
  minuteRetentionMs: 30 * 24 * 3600_000,
  hourRetentionMs: null,
  retentionIntervalMs: 10 * 60_000,
  retentionSliceSeries: 200,
  maxQueryRows: 100_000,
};

export interface TimeseriesDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
}

/** Opens a SQLite file for the time series with the pragmas the write path was measured with. */
export function openTwinsDatabase(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Fewer checkpoints (each costs fsyncs) for a write-heavy file: ~40 MB of WAL between them.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('busy_timeout = 5000');
  return db;
}

export type SeriesValue = number | string | boolean;

/** One raw sample read back. */
export interface RawPoint {
  ts: number;
  seq: number;
  value: SeriesValue;
  quality: 'good' | 'stale';
}

/** One bucket of an aggregated read. min/max/avg are null when the bucket held no numeric value. */
export interface Bucket {
  /** Start of the bucket, ms since epoch (buckets are aligned to the epoch, UTC). */
  ts: number;
  count: number;
  min: number | null;
  max: number | null;
  avg: number | null;
  /** The value of the bucket's latest sample. */
  last: SeriesValue;
  lastTs: number;
}

export interface SeriesQuery {
  assetId: string;
  property: string;
  /** Inclusive, ms since epoch. */
  from: number;
  /** Inclusive, ms since epoch. */
  to: number;
  /** Bucket size, ms; 0 or absent: raw samples. */
  resolutionMs?: number;
  /** Most points or buckets returned (capped by `maxQueryRows`). */
  limit?: number;
}

export type SeriesSource = 'raw' | '1m' | '1h';

export type SeriesResult =
  | { kind: 'raw'; assetId: string; property: string; source: 'raw'; points: RawPoint[]; truncated: boolean }
  | {
      kind: 'buckets';
      assetId: string;
      property: string;
      /** The table the buckets were computed from. */
      source: SeriesSource;
      resolutionMs: number;
      buckets: Bucket[];
      truncated: boolean;
    };

export interface TimeseriesStats {
  /** Samples handed to `append`. */
  appended: number;
  /** Samples written to SQLite. */
  written: number;
  /** Samples dropped because the buffer was full or a write failed. */
  dropped: number;
  writeErrors: number;
  batches: number;
  /** Samples waiting in memory. */
  buffered: number;
  series: number;
  /** Duration of the last flush, ms. */
  lastFlushMs: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const COLS = 6;
const FLAG_STALE = 1;
const FLAG_BOOLEAN = 2;

/** An open bucket: what the samples in it add up to so far. */
class Acc {
  bucket = -1;
  n = 0;
  numN = 0;
  min = 0;
  max = 0;
  sum = 0;
  lastTs = 0;
  lastSeq = 0;
  lastNum: number | null = null;
  lastTxt: string | null = null;
  lastFlags = 0;

  /** Adds a sample, or a whole (partial) bucket: `n` samples, `numN` of them numeric. */
  add(
    n: number,
    numN: number,
    min: number | null,
    max: number | null,
    sum: number | null,
    lastTs: number,
    lastSeq: number,
    lastNum: number | null,
    lastTxt: string | null,
    lastFlags: number,
  ): void {
    if (numN > 0 && min !== null && max !== null && sum !== null) {
      if (this.numN === 0) {
        this.min = min;
        this.max = max;
        this.sum = sum;
      } else {
        if (min < this.min) this.min = min;
        if (max > this.max) this.max = max;
        this.sum += sum;
      }
      this.numN += numN;
    }
    if (this.n === 0 || lastTs > this.lastTs || (lastTs === this.lastTs && lastSeq >= this.lastSeq)) {
      this.lastTs = lastTs;
      this.lastSeq = lastSeq;
      this.lastNum = lastNum;
      this.lastTxt = lastTxt;
      this.lastFlags = lastFlags;
    }
    this.n += n;
  }

  /** The bucket as a row to merge; null when empty. */
  row(seriesId: number, table: '1m' | '1h'): AggRow | null {
    if (this.n === 0) return null;
    const has = this.numN > 0;
    return {
      table,
      seriesId,
      bucket: this.bucket,
      n: this.n,
      numN: this.numN,
      min: has ? this.min : null,
      max: has ? this.max : null,
      sum: has ? this.sum : null,
      lastTs: this.lastTs,
      lastSeq: this.lastSeq,
      lastNum: this.lastNum,
      lastTxt: this.lastTxt,
      lastFlags: this.lastFlags,
    };
  }

  reset(bucket: number): void {
    this.bucket = bucket;
    this.n = 0;
    this.numN = 0;
  }
}

/** One series (asset × property): its dictionary id and its open minute and hour buckets. */
class Series {
  readonly minute = new Acc();
  readonly hour = new Acc();
  constructor(
    readonly id: number,
    readonly assetId: string,
    readonly property: string,
  ) {}
}

/** A closed (or partial) bucket waiting to be merged into an aggregate table. */
interface AggRow {
  table: '1m' | '1h';
  seriesId: number;
  bucket: number;
  n: number;
  numN: number;
  min: number | null;
  max: number | null;
  sum: number | null;
  lastTs: number;
  lastSeq: number;
  lastNum: number | null;
  lastTxt: string | null;
  lastFlags: number;
}

interface AggTableRow {
  bucket: number;
  n: number;
  num_n: number;
  v_min: number | null;
  v_max: number | null;
  v_sum: number | null;
  last_ts: number;
  last_seq: number;
  last_num: number | null;
  last_txt: string | null;
  last_flags: number;
}

interface RawRow {
  ts: number;
  seq: number;
  num: number | null;
  txt: string | null;
  flags: number;
}

interface Compaction {
  table: 0 | 1;
  indexed: boolean;
  nextSeries: number;
  lastSeries: number;
  seriesPerSlice: number;
}

interface RetentionRun {
  nextIndex: number;
  ids: number[];
  rawCutoff: number | null;
  minuteCutoff: number | null;
  hourCutoff: number | null;
}

function decode(num: number | null, txt: string | null, flags: number): SeriesValue {
  if (txt !== null) return txt;
  if (flags & FLAG_BOOLEAN) return num === 1;
  return num ?? 0;
}

export class Timeseries {
  private readonly opts: TimeseriesOptions;
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly series = new Map<string, Map<string, Series>>();
  private readonly byId = new Map<number, Series>();
  private maxSeriesId = 0;
  /** Buffered rows, flat: series_id, ts, seq, num, txt, flags. */
  private buf: (number | string | null)[] = [];
  private aggRows: AggRow[] = [];
  private active: 0 | 1 = 0;
  private readonly landingRows: [number, number] = [0, 0];
  private lastSwap: number;
  private compaction: Compaction | null = null;
  private lastRetention: number;
  private retentionRun: RetentionRun | null = null;
  private lastSeal: number;
  private timer: NodeJS.Timeout | undefined;
  private pumping: NodeJS.Immediate | undefined;
  private readonly st = { appended: 0, written: 0, dropped: 0, writeErrors: 0, batches: 0, lastFlushMs: 0 };

  private readonly insertStmts: [Map<number, Statement>, Map<number, Statement>];
  private readonly stmtSizes: number[];
  private readonly insertSeries: Statement;
  /** Series created since the last flush, written with it. */
  private newSeries: Series[] = [];
  private readonly mergeAgg: Record<'1m' | '1h', Statement>;
  private readonly compactStmts: [Statement, Statement];
  private readonly emptyLanding: [Statement, Statement];
  private readonly indexLanding: [Statement, Statement];
  private readonly unindexLanding: [Statement, Statement];
  private readonly deleteRaw: Statement;
  private readonly deleteAgg: Record<'1m' | '1h', Statement>;
  private readonly readRaw: Statement;
  private readonly readAgg: Record<'1m' | '1h', Statement>;

  constructor(opts: Partial<TimeseriesOptions>, deps: TimeseriesDeps) {
    this.opts = { ...defaultTimeseriesOptions, ...opts };
    this.db = deps.db;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.db.exec(TWINS_SQL);
    const now = this.clock.now();
    this.lastSwap = now;
    this.lastRetention = now;
    this.lastSeal = now;

    const sizes: number[] = [];
    for (let n = Math.max(1, Math.min(5000, this.opts.rowsPerStatement)); n > 1; n = Math.floor(n / 4)) {
      sizes.push(n);
    }
    sizes.push(1);
    this.stmtSizes = sizes;
    const landing = (t: 0 | 1) =>
      new Map(
        sizes.map((n) => [
          n,
          this.db.prepare(
            `INSERT INTO twin_landing_${t} (series_id, ts, seq, num, txt, flags) VALUES ${Array.from(
              { length: n },
              () => '(?,?,?,?,?,?)',
            ).join(',')}`,
          ),
        ]),
      );
    this.insertStmts = [landing(0), landing(1)];
    this.insertSeries = this.db.prepare('INSERT INTO twin_series (id, asset, property) VALUES (?, ?, ?)');
    const merge = (table: string) =>
      this.db.prepare(`
        INSERT INTO ${table} (series_id, bucket, n, num_n, v_min, v_max, v_sum, last_ts, last_seq, last_num, last_txt, last_flags)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (series_id, bucket) DO UPDATE SET
          n = n + excluded.n,
          num_n = num_n + excluded.num_n,
          v_min = CASE WHEN v_min IS NULL OR excluded.v_min < v_min THEN coalesce(excluded.v_min, v_min) ELSE v_min END,
          v_max = CASE WHEN v_max IS NULL OR excluded.v_max > v_max THEN coalesce(excluded.v_max, v_max) ELSE v_max END,
          v_sum = CASE WHEN v_sum IS NULL THEN excluded.v_sum WHEN excluded.v_sum IS NULL THEN v_sum ELSE v_sum + excluded.v_sum END,
          last_ts = CASE WHEN (excluded.last_ts, excluded.last_seq) >= (last_ts, last_seq) THEN excluded.last_ts ELSE last_ts END,
          last_seq = CASE WHEN (excluded.last_ts, excluded.last_seq) >= (last_ts, last_seq) THEN excluded.last_seq ELSE last_seq END,
          last_num = CASE WHEN (excluded.last_ts, excluded.last_seq) >= (last_ts, last_seq) THEN excluded.last_num ELSE last_num END,
          last_txt = CASE WHEN (excluded.last_ts, excluded.last_seq) >= (last_ts, last_seq) THEN excluded.last_txt ELSE last_txt END,
          last_flags = CASE WHEN (excluded.last_ts, excluded.last_seq) >= (last_ts, last_seq) THEN excluded.last_flags ELSE last_flags END`);
    this.mergeAgg = { '1m': merge('twin_agg_1m'), '1h': merge('twin_agg_1h') };
    const compact = (t: 0 | 1) =>
      this.db.prepare(`
        INSERT OR IGNORE INTO twin_samples (series_id, ts, seq, num, txt, flags)
        SELECT series_id, ts, seq, num, txt, flags FROM twin_landing_${t}
        WHERE series_id >= ? AND series_id < ? ORDER BY series_id, ts, seq`);
    this.compactStmts = [compact(0), compact(1)];
    this.emptyLanding = [
      this.db.prepare('DELETE FROM twin_landing_0'),
      this.db.prepare('DELETE FROM twin_landing_1'),
    ];
    // A landing table gets an index only once it is full and about to be moved: slices then read
    // their series range through it instead of scanning the whole table each (which made compaction
    // quadratic: 300k rows in 75 slices were 22 M row visits).
    const index = (t: 0 | 1) =>
      this.db.prepare(
        `CREATE INDEX IF NOT EXISTS twin_landing_${t}_order ON twin_landing_${t} (series_id, ts, seq)`,
      );
    this.indexLanding = [index(0), index(1)];
    this.unindexLanding = [
      this.db.prepare('DROP INDEX IF EXISTS twin_landing_0_order'),
      this.db.prepare('DROP INDEX IF EXISTS twin_landing_1_order'),
    ];
    this.deleteRaw = this.db.prepare('DELETE FROM twin_samples WHERE series_id = ? AND ts < ?');
    this.deleteAgg = {
      '1m': this.db.prepare('DELETE FROM twin_agg_1m WHERE series_id = ? AND bucket < ?'),
      '1h': this.db.prepare('DELETE FROM twin_agg_1h WHERE series_id = ? AND bucket < ?'),
    };
    this.readRaw = this.db.prepare(`
      SELECT ts, seq, num, txt, flags FROM twin_samples WHERE series_id = @id AND ts BETWEEN @from AND @to
      UNION ALL SELECT ts, seq, num, txt, flags FROM twin_landing_0 WHERE series_id = @id AND ts BETWEEN @from AND @to
      UNION ALL SELECT ts, seq, num, txt, flags FROM twin_landing_1 WHERE series_id = @id AND ts BETWEEN @from AND @to
      ORDER BY ts, seq LIMIT @limit`);
    const readAgg = (table: string) =>
      this.db.prepare(
        `SELECT bucket, n, num_n, v_min, v_max, v_sum, last_ts, last_seq, last_num, last_txt, last_flags
         FROM ${table} WHERE series_id = ? AND bucket BETWEEN ? AND ? ORDER BY bucket LIMIT ?`,
      );
    this.readAgg = { '1m': readAgg('twin_agg_1m'), '1h': readAgg('twin_agg_1h') };

    for (const row of this.db.prepare('SELECT id, asset, property FROM twin_series').all() as {
      id: number;
      asset: string;
      property: string;
    }[]) {
      this.remember(new Series(row.id, row.asset, row.property));
    }
    // Rows left in the landing tables by a previous run (a crash, or a close mid-compaction) are moved
    // now; INSERT OR IGNORE makes a compaction that already ran partly harmless to repeat.
    for (const t of [0, 1] as const) {
      this.compaction = {
        table: t,
        indexed: false,
        nextSeries: 0,
        lastSeries: this.maxSeriesId,
        seriesPerSlice: this.maxSeriesId + 1,
      };
      while (this.compaction) this.compactSlice();
    }
  }

  /** Starts the periodic flush and maintenance tick. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.opts.tickMs);
    this.timer.unref();
  }

  /** Stops the tick, closes every open bucket and writes everything buffered. The database stays open. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.pumping) clearImmediate(this.pumping);
    this.timer = undefined;
    this.pumping = undefined;
    for (const s of this.byId.values()) {
      this.closeMinute(s);
      this.closeHour(s);
    }
    this.flush();
  }

  /** Buffers samples (and folds them into their 1-minute buckets); flushes when a batch is full. */
  append(samples: readonly TelemetrySample[]): void {
    const buf = this.buf;
    for (const s of samples) {
      this.st.appended++;
      if (buf.length >= this.opts.maxBufferedSamples * COLS) {
        this.st.dropped++;
        continue;
      }
      const series = this.seriesFor(s.assetId, s.property);
      const ts = Math.trunc(s.sourceTs);
      const seq = Math.trunc(s.seq);
      const v = s.value;
      let num: number | null = null;
      let txt: string | null = null;
      let flags = s.quality === 'stale' ? FLAG_STALE : 0;
      if (typeof v === 'number') num = v;
      else if (typeof v === 'boolean') {
        num = v ? 1 : 0;
        flags |= FLAG_BOOLEAN;
      } else txt = v;
      buf.push(series.id, ts, seq, num, txt, flags);
      this.fold(series, ts, seq, num, txt, flags);
    }
    if (buf.length >= this.opts.batchSize * COLS) this.flush();
  }

  /** Writes the buffered samples and closed buckets in one transaction. */
  flush(): void {
    const rows = this.buf.length / COLS;
    if (rows === 0 && this.aggRows.length === 0 && this.newSeries.length === 0) return;
    const buf = this.buf;
    const aggs = this.aggRows;
    const created = this.newSeries;
    this.buf = [];
    this.aggRows = [];
    this.newSeries = [];
    const t0 = performance.now();
    try {
      this.writeBatch(buf, rows, aggs, created);
      this.st.written += rows;
      this.st.batches++;
      this.landingRows[this.active] += rows;
    } catch (err) {
      this.st.writeErrors++;
      this.st.dropped += rows;
      this.logger.error({ err, rows }, 'time series write failed; batch dropped');
      // The series stay known in memory; their dictionary rows are retried with the next batch.
      this.newSeries.push(...created);
    }
    this.st.lastFlushMs = performance.now() - t0;
  }

  /**
   * One maintenance step: flush, close finished buckets, and one slice of compaction or retention;
   * while started, the remaining slices then run one per event-loop turn.
   */
  tick(): void {
    const now = this.clock.now();
    if (now - this.lastSeal >= this.opts.aggregateGraceMs) {
      this.lastSeal = now;
      this.sealBuckets(now);
    }
    this.flush();
    if (this.compaction) this.compactSlice();
    else if (now - this.lastSwap >= this.opts.compactIntervalMs && this.landingRows[this.active] > 0) {
      this.startCompaction();
      this.compactSlice();
    } else {
      if (!this.retentionRun && now - this.lastRetention >= this.opts.retentionIntervalMs) {
        this.startRetention(now);
      }
      if (this.retentionRun) this.retentionSlice();
    }
    this.pump();
  }

  /**
   * While started, runs the remaining compaction or retention slices one per event-loop turn, so the
   * work goes as fast as the CPU allows and each pause stays one slice long.
   */
  private pump(): void {
    if (!this.timer || this.pumping || (!this.compaction && !this.retentionRun)) return;
    this.pumping = setImmediate(() => {
      this.pumping = undefined;
      if (this.compaction) this.compactSlice();
      else if (this.retentionRun) this.retentionSlice();
      this.pump();
    });
  }

  /** Runs everything pending to the end now: flush, close finished buckets, compaction, retention. */
  maintain(): void {
    const now = this.clock.now();
    this.sealBuckets(now);
    this.flush();
    while (this.compaction) this.compactSlice();
    if (this.landingRows[this.active] > 0) {
      this.startCompaction();
      while (this.compaction) this.compactSlice();
    }
    this.startRetention(now);
    while (this.retentionRun) this.retentionSlice();
  }

  /** Reads a series: raw samples, or buckets of `resolutionMs` from the coarsest table that fits. */
  query(q: SeriesQuery): SeriesResult {
    this.flush();
    const limit = Math.max(1, Math.min(q.limit ?? this.opts.maxQueryRows, this.opts.maxQueryRows));
    const res = Math.max(0, Math.trunc(q.resolutionMs ?? 0));
    const series = this.series.get(q.assetId)?.get(q.property);
    const base = { assetId: q.assetId, property: q.property };
    if (res === 0) {
      if (!series) return { kind: 'raw', ...base, source: 'raw', points: [], truncated: false };
      const rows = this.readRaw.all({ id: series.id, from: q.from, to: q.to, limit: limit + 1 }) as RawRow[];
      const points: RawPoint[] = [];
      let prev: RawRow | undefined;
      for (const r of rows) {
        // A sample can sit in a landing table and (after a partial compaction) in twin_samples.
        if (prev && prev.ts === r.ts && prev.seq === r.seq) continue;
        prev = r;
        points.push({
          ts: r.ts,
          seq: r.seq,
          value: decode(r.num, r.txt, r.flags),
          quality: r.flags & FLAG_STALE ? 'stale' : 'good',
        });
      }
      const truncated = points.length > limit;
      if (truncated) points.length = limit;
      return { kind: 'raw', ...base, source: 'raw', points, truncated };
    }
    const source: SeriesSource = res % HOUR === 0 ? '1h' : res % MINUTE === 0 ? '1m' : 'raw';
    const out = { kind: 'buckets' as const, ...base, source, resolutionMs: res };
    if (!series) return { ...out, buckets: [], truncated: false };
    const folder = new BucketFolder(res, q.from, q.to);
    let truncated = false;
    if (source === 'raw') {
      const rows = this.readRaw.all({
        id: series.id,
        from: folder.start,
        to: q.to,
        limit: this.opts.maxQueryRows + 1,
      }) as RawRow[];
      truncated = rows.length > this.opts.maxQueryRows;
      let prev: RawRow | undefined;
      for (const r of rows.slice(0, this.opts.maxQueryRows)) {
        if (prev && prev.ts === r.ts && prev.seq === r.seq) continue;
        prev = r;
        const isNum = r.txt === null;
        folder.add(r.ts, 1, isNum ? 1 : 0, r.num, r.num, r.num, r.ts, r.seq, r.num, r.txt, r.flags);
      }
    } else {
      const tableMs = source === '1h' ? HOUR : MINUTE;
      const rows = this.readAgg[source].all(
        series.id,
        Math.floor(folder.start / tableMs) * tableMs,
        q.to,
        this.opts.maxQueryRows + 1,
      ) as AggTableRow[];
      truncated = rows.length > this.opts.maxQueryRows;
      for (const r of rows.slice(0, this.opts.maxQueryRows)) {
        folder.add(
          r.bucket,
          r.n,
          r.num_n,
          r.v_min,
          r.v_max,
          r.v_sum,
          r.last_ts,
          r.last_seq,
          r.last_num,
          r.last_txt,
          r.last_flags,
        );
      }
      // The open buckets are not in the tables yet: the hour (for the hour table) and the minute.
      const open = source === '1h' ? [series.hour, series.minute] : [series.minute];
      for (const acc of open) {
        if (acc.n === 0 || acc.bucket > q.to || acc.bucket + tableMs <= folder.start) continue;
        const r = acc.row(series.id, source);
        if (!r) continue;
        folder.add(
          Math.floor(r.bucket / tableMs) * tableMs,
          r.n,
          r.numN,
          r.min,
          r.max,
          r.sum,
          r.lastTs,
          r.lastSeq,
          r.lastNum,
          r.lastTxt,
          r.lastFlags,
        );
      }
    }
    const buckets = folder.result();
    if (buckets.length > limit) {
      buckets.length = limit;
      truncated = true;
    }
    return { ...out, buckets, truncated };
  }

  /** Retention of each table, ms (null: kept), as the TimeSeries submodels show it. */
  get retention(): { raw: number | null; '1m': number | null; '1h': number | null } {
    return {
      raw: this.opts.rawRetentionMs,
      '1m': this.opts.minuteRetentionMs,
      '1h': this.opts.hourRetentionMs,
    };
  }

  /** The series known for an asset (properties with stored samples). */
  properties(assetId: string): string[] {
    return [...(this.series.get(assetId)?.keys() ?? [])];
  }

  stats(): TimeseriesStats {
    return { ...this.st, buffered: this.buf.length / COLS, series: this.byId.size };
  }

  private remember(s: Series): void {
    let m = this.series.get(s.assetId);
    if (!m) {
      m = new Map();
      this.series.set(s.assetId, m);
    }
    m.set(s.property, s);
    this.byId.set(s.id, s);
    if (s.id > this.maxSeriesId) this.maxSeriesId = s.id;
  }

  private seriesFor(assetId: string, property: string): Series {
    const found = this.series.get(assetId)?.get(property);
    if (found) return found;
    // Ids are given here and the dictionary row is written with the batch (one Timeseries owns its
    // tables): creating 20,000 series one autocommit each had cost ~0.1 ms apiece.
    const s = new Series(this.maxSeriesId + 1, assetId, property);
    this.remember(s);
    this.newSeries.push(s);
    return s;
  }

  private fold(
    s: Series,
    ts: number,
    seq: number,
    num: number | null,
    txt: string | null,
    flags: number,
  ): void {
    const bucket = Math.floor(ts / MINUTE) * MINUTE;
    const m = s.minute;
    if (bucket !== m.bucket) {
      if (bucket < m.bucket) {
        // Older than the open minute (a history import): merged on its own, at both levels.
        const one = new Acc();
        one.reset(bucket);
        one.add(1, num === null ? 0 : 1, num, num, num, ts, seq, num, txt, flags);
        this.aggRows.push(one.row(s.id, '1m')!);
        one.bucket = Math.floor(bucket / HOUR) * HOUR;
        this.aggRows.push(one.row(s.id, '1h')!);
        return;
      }
      this.closeMinute(s);
      m.reset(bucket);
    }
    m.add(1, num === null ? 0 : 1, num, num, num, ts, seq, num, txt, flags);
  }

  /** Moves a series' open minute to the rows to merge and into its hour; the hour closes likewise. */
  private closeMinute(s: Series): void {
    const m = s.minute;
    const row = m.row(s.id, '1m');
    m.reset(m.bucket);
    if (!row) return;
    this.aggRows.push(row);
    const h = s.hour;
    const hourBucket = Math.floor(row.bucket / HOUR) * HOUR;
    if (hourBucket !== h.bucket) {
      if (hourBucket < h.bucket) {
        this.aggRows.push({ ...row, table: '1h', bucket: hourBucket });
        return;
      }
      this.closeHour(s);
      h.reset(hourBucket);
    }
    h.add(
      row.n,
      row.numN,
      row.min,
      row.max,
      row.sum,
      row.lastTs,
      row.lastSeq,
      row.lastNum,
      row.lastTxt,
      row.lastFlags,
    );
  }

  private closeHour(s: Series): void {
    const row = s.hour.row(s.id, '1h');
    s.hour.reset(s.hour.bucket);
    if (row) this.aggRows.push(row);
  }

  private sealBuckets(now: number): void {
    const grace = this.opts.aggregateGraceMs;
    for (const s of this.byId.values()) {
      if (s.minute.n > 0 && s.minute.bucket + MINUTE + grace <= now) this.closeMinute(s);
      if (s.hour.n > 0 && s.hour.bucket + HOUR + grace <= now) this.closeHour(s);
    }
  }

  private writeBatch(buf: (number | string | null)[], rows: number, aggs: AggRow[], created: Series[]): void {
    const stmts = this.insertStmts[this.active];
    this.db.transaction(() => {
      for (const s of created) this.insertSeries.run(s.id, s.assetId, s.property);
      let off = 0;
      for (const size of this.stmtSizes) {
        const st = stmts.get(size)!;
        while (rows - off >= size) {
          st.run(size === rows ? buf : buf.slice(off * COLS, (off + size) * COLS));
          off += size;
        }
      }
      for (const a of aggs) {
        this.mergeAgg[a.table].run(
          a.seriesId,
          a.bucket,
          a.n,
          a.numN,
          a.min,
          a.max,
          a.sum,
          a.lastTs,
          a.lastSeq,
          a.lastNum,
          a.lastTxt,
          a.lastFlags,
        );
      }
    })();
  }

  private startCompaction(): void {
    this.flush();
    const table = this.active;
    this.active = table === 0 ? 1 : 0;
    this.lastSwap = this.clock.now();
    const slices = Math.max(1, Math.ceil(this.landingRows[table] / this.opts.compactSliceRows));
    this.compaction = {
      table,
      indexed: false,
      nextSeries: 0,
      lastSeries: this.maxSeriesId,
      seriesPerSlice: Math.max(1, Math.ceil((this.maxSeriesId + 1) / slices)),
    };
  }

  private compactSlice(): void {
    const c = this.compaction;
    if (!c) return;
    try {
      if (!c.indexed) {
        // A step of its own: the sort behind the index is the longest pause of a compaction.
        this.indexLanding[c.table].run();
        c.indexed = true;
        return;
      }
      if (c.nextSeries <= c.lastSeries) {
        const to = c.nextSeries + c.seriesPerSlice;
        this.db.transaction(() => this.compactStmts[c.table].run(c.nextSeries, to))();
        c.nextSeries = to;
        if (c.nextSeries <= c.lastSeries) return;
      }
      this.db.transaction(() => {
        this.unindexLanding[c.table].run();
        this.emptyLanding[c.table].run();
      })();
      this.landingRows[c.table] = 0;
      this.compaction = null;
    } catch (err) {
      // Left for the next tick (or the next start): the landing rows are still there.
      this.logger.error({ err }, 'time series compaction failed');
      this.compaction = null;
    }
  }

  private startRetention(now: number): void {
    const o = this.opts;
    this.lastRetention = now;
    if (o.rawRetentionMs === null && o.minuteRetentionMs === null && o.hourRetentionMs === null) return;
    this.retentionRun = {
      nextIndex: 0,
      ids: [...this.byId.keys()],
      rawCutoff: o.rawRetentionMs === null ? null : now - o.rawRetentionMs,
      minuteCutoff: o.minuteRetentionMs === null ? null : now - o.minuteRetentionMs,
      hourCutoff: o.hourRetentionMs === null ? null : now - o.hourRetentionMs,
    };
  }

  private retentionSlice(): void {
    const r = this.retentionRun;
    if (!r) return;
    const end = Math.min(r.ids.length, r.nextIndex + this.opts.retentionSliceSeries);
    try {
      this.db.transaction(() => {
        for (let i = r.nextIndex; i < end; i++) {
          const id = r.ids[i]!;
          if (r.rawCutoff !== null) this.deleteRaw.run(id, r.rawCutoff);
          if (r.minuteCutoff !== null) this.deleteAgg['1m'].run(id, r.minuteCutoff);
          if (r.hourCutoff !== null) this.deleteAgg['1h'].run(id, r.hourCutoff);
        }
      })();
    } catch (err) {
      this.logger.error({ err }, 'time series retention failed');
    }
    r.nextIndex = end;
    if (r.nextIndex >= r.ids.length) this.retentionRun = null;
  }
}

/** Folds rows (raw samples or aggregate rows) into aligned buckets of one size. */
class BucketFolder {
  readonly start: number;
  private readonly acc = new Map<number, AggTableRow>();
  constructor(
    private readonly size: number,
    from: number,
    private readonly to: number,
  ) {
    this.start = Math.floor(from / size) * size;
  }

  add(
    ts: number,
    n: number,
    numN: number,
    min: number | null,
    max: number | null,
    sum: number | null,
    lastTs: number,
    lastSeq: number,
    lastNum: number | null,
    lastTxt: string | null,
    lastFlags: number,
  ): void {
    const b = Math.floor(ts / this.size) * this.size;
    if (b < this.start || b > this.to) return;
    const a = this.acc.get(b);
    if (!a) {
      this.acc.set(b, {
        bucket: b,
        n,
        num_n: numN,
        v_min: numN > 0 ? min : null,
        v_max: numN > 0 ? max : null,
        v_sum: numN > 0 ? sum : null,
        last_ts: lastTs,
        last_seq: lastSeq,
        last_num: lastNum,
        last_txt: lastTxt,
        last_flags: lastFlags,
      });
      return;
    }
    a.n += n;
    if (numN > 0 && min !== null && max !== null && sum !== null) {
      a.v_min = a.v_min === null ? min : Math.min(a.v_min, min);
      a.v_max = a.v_max === null ? max : Math.max(a.v_max, max);
      a.v_sum = (a.v_sum ?? 0) + sum;
      a.num_n += numN;
    }
    if (lastTs > a.last_ts || (lastTs === a.last_ts && lastSeq >= a.last_seq)) {
      a.last_ts = lastTs;
      a.last_seq = lastSeq;
      a.last_num = lastNum;
      a.last_txt = lastTxt;
      a.last_flags = lastFlags;
    }
  }

  result(): Bucket[] {
    return [...this.acc.values()]
      .sort((x, y) => x.bucket - y.bucket)
      .map((a) => ({
        ts: a.bucket,
        count: a.n,
        min: a.v_min,
        max: a.v_max,
        avg: a.num_n > 0 && a.v_sum !== null ? a.v_sum / a.num_n : null,
        last: decode(a.last_num, a.last_txt, a.last_flags),
        lastTs: a.last_ts,
      }));
  }
}
