/**
 * The `weft-progress` tag group of a fulfilment: the shop floor's figures behind a progress report
 * (`on_status`), written by the supplier's deal engine and read back by either side. Beckn tag values
 * are strings, so each figure travels as a decimal integer.
 *
 * @example
 * const tags = progressTags({ done: 6, total: 12, scrap: 0, lots: 1, sourceTs: 1764144000000, seq: 42 });
 * readProgressTags({ tags: [tags] }); // the same figures back
 */

/** The code of the tag group. */
export const PROGRESS_TAG = 'weft-progress';

/** The figures of a progress report, as its tags carry them. */
export interface ProgressTagFigures {
  done: number;
  total: number;
  scrap: number;
  /** Lots inspected. */
  lots: number;
  /** Source timestamp (ms) and sequence number of the shop-floor signal behind the report. */
  sourceTs: number;
  seq: number;
}

const KEYS = ['done', 'total', 'scrap', 'lots', 'sourceTs', 'seq'] as const;

/** The tag group (Beckn TagGroup: string values) of these figures. */
export function progressTags(f: ProgressTagFigures): {
  descriptor: { code: string };
  list: Array<{ descriptor: { code: string }; value: string }>;
} {
  return {
    descriptor: { code: PROGRESS_TAG },
    list: KEYS.map((k) => ({ descriptor: { code: k }, value: String(Math.trunc(f[k])) })),
  };
}

/** Reads the `weft-progress` tags of a fulfilment back; undefined when absent or not numbers. */
export function readProgressTags(fulfillment: unknown): ProgressTagFigures | undefined {
  const tags = (fulfillment as { tags?: unknown } | undefined)?.tags;
  if (!Array.isArray(tags)) return undefined;
  const group = tags.find(
    (g) => (g as { descriptor?: { code?: unknown } }).descriptor?.code === PROGRESS_TAG,
  ) as { list?: unknown } | undefined;
  if (!group || !Array.isArray(group.list)) return undefined;
  const v: Record<string, number> = {};
  for (const t of group.list as Array<{ descriptor?: { code?: unknown }; value?: unknown }>) {
    const code = t.descriptor?.code;
    if (typeof code === 'string' && typeof t.value === 'string' && /^-?\d{1,16}$/.test(t.value)) {
      v[code] = Number(t.value);
    }
  }
  if (!KEYS.every((k) => v[k] !== undefined)) return undefined;
  return {
    done: v.done!,
    total: v.total!,
    scrap: v.scrap!,
    lots: v.lots!,
    sourceTs: v.sourceTs!,
    seq: v.seq!,
  };
}
