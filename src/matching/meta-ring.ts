/**
 * A bounded, persistent list of JSON records by key, kept in the store's `meta` table: record i of the
 * last `size` lives under `<prefix>.<slot>` with slot = seq mod size, so the table never holds more
 * than `size` rows for it and a new record overwrites the oldest. Reads come from memory; the slots
 * are read once, on first use. A slot that does not parse (or fails `check`) is skipped.
 *
 * For the matching's small working sets (incoming needs, needs sent); a large history wants a table.
 */
import type { Store } from '../store/index.js';

interface Slot<T> {
  key: string;
  seq: number;
  value: T;
}

export interface MetaRingOptions {
  /** Key prefix in `meta`, e.g. `matching.incoming`. */
  prefix: string;
  /** Records kept. */
  size: number;
}

export class MetaRing<T> {
  private readonly byKey = new Map<string, Slot<T>>();
  private loaded: Promise<void> | undefined;
  private seq = 0;
  /** Writes, one after the other, so a slot is never written out of order. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: MetaRingOptions,
    private readonly deps: { store: Pick<Store, 'meta'>; check?: (value: unknown) => value is T },
  ) {
    if (!(opts.size >= 1)) throw new RangeError('a meta ring keeps at least one record');
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      for (let i = 0; i < this.opts.size; i++) {
        const raw = await this.deps.store.meta.get(`${this.opts.prefix}.${i}`);
        if (!raw) continue;
        let slot: Slot<unknown>;
        try {
          slot = JSON.parse(raw) as Slot<unknown>;
        } catch {
          continue;
        }
        if (typeof slot?.key !== 'string' || !Number.isSafeInteger(slot.seq)) continue;
        if (this.deps.check && !this.deps.check(slot.value)) continue;
        const prev = this.byKey.get(slot.key);
        if (!prev || prev.seq < slot.seq) this.byKey.set(slot.key, slot as Slot<T>);
        this.seq = Math.max(this.seq, slot.seq);
      }
    })();
    return this.loaded;
  }

  async get(key: string): Promise<T | undefined> {
    await this.load();
    return this.byKey.get(key)?.value;
  }

  /** Every record, newest first. */
  async values(): Promise<T[]> {
    await this.load();
    return [...this.byKey.values()].sort((a, b) => b.seq - a.seq).map((s) => s.value);
  }

  /** Stores a record: a key already kept is rewritten in its slot, a new one takes the oldest slot. */
  async put(key: string, value: T): Promise<void> {
    await this.load();
    const prev = this.byKey.get(key);
    let seq: number;
    if (prev) {
      seq = prev.seq;
    } else {
      seq = ++this.seq;
      const evicted = [...this.byKey.values()].find((s) => s.seq === seq - this.opts.size);
      if (evicted) this.byKey.delete(evicted.key);
    }
    const slot: Slot<T> = { key, seq, value };
    this.byKey.set(key, slot);
    const text = JSON.stringify(slot);
    const write = this.writing.then(() =>
      this.deps.store.meta.set(`${this.opts.prefix}.${seq % this.opts.size}`, text),
    );
    this.writing = write.catch(() => undefined);
    await write;
  }
}
