/**
 * Twins: the factory's assets as AAS shells and submodels, their live values from the shop floor, a
 * history chart per property, and the capacity calendar (free hours per process per day) as a heat map.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import type { AasShell, AasSubmodel, AasSubmodelElement, TwinSample } from '../../api/contract.js';
import { client, useLoad, useSse } from '../api.js';
import { HeatMap, LineChart } from '../charts.js';
import { useI18n } from '../i18n.js';
import { pathOf, useRouter } from '../router.js';
import { Async, Badge, Empty, LiveIndicator, PageHeader, Section, Unavailable } from '../ui.js';

export function TwinsPage() {
  const { t, lang } = useI18n();
  const { route } = useRouter();
  const shells = useLoad(() => client.shells(), [], 30_000);
  const selected = route.params[0];
  return (
    <>
      <PageHeader title={t('twins.title')} intro={t('twins.intro')} />
      <div class="grid sidebar">
        <Section title={t('twins.assets')}>
          <Async
            loaded={shells}
            what="feature.twins"
            isEmpty={(d) => d.result.length === 0}
            empty={t('twins.assets.empty')}
          >
            {(d) => (
              <ul class="asset-list">
                {d.result.map((s) => {
                  const id = assetIdOf(s);
                  return (
                    <li key={s.id}>
                      <a href={pathOf('twins', id)} aria-current={id === selected ? 'page' : undefined}>
                        <span>
                          {shellName(s, lang)} <code class="muted">{id}</code>
                        </span>
                        <Badge>{s.assetInformation.assetKind}</Badge>
                      </a>
                    </li>
                  );
                })}
              </ul>
            )}
          </Async>
        </Section>
        <div class="stack">
          {selected && shells.data ? (
            <AssetView
              key={selected}
              shell={shells.data.result.find((s) => assetIdOf(s) === selected)}
              asset={selected}
            />
          ) : (
            shells.status === 'ok' && (
              <Section title={t('twins.asset')}>
                <p class="muted">{t('twins.pick')}</p>
              </Section>
            )
          )}
          <Capacity />
        </div>
      </div>
    </>
  );
}

/** The twins config's asset id of a shell (see contract.ts AasShell). */
function assetIdOf(s: AasShell): string {
  return (
    s.assetInformation.specificAssetIds?.find((x) => x.name === 'weftAssetId')?.value ?? s.idShort ?? s.id
  );
}

function shellName(s: AasShell, lang: string): string {
  const names = s.displayName ?? [];
  const want = lang === 'en' ? 'en' : 'zh';
  return names.find((n) => n.language.startsWith(want))?.text ?? names[0]?.text ?? s.idShort ?? s.id;
}

function AssetView(props: { shell: AasShell | undefined; asset: string }) {
  const { t, lang } = useI18n();
  const shell = props.shell;
  const submodels = useLoad(
    () =>
      Promise.all(
        (shell?.submodels ?? [])
          .map((r) => r.keys.find((k) => k.type === 'Submodel')?.value)
          .filter((id): id is string => !!id)
          .map((id) => client.submodel(id)),
      ),
    [shell?.id],
  );
  const [values, setValues] = useState<Map<string, TwinSample>>(new Map());
  const [series, setSeries] = useState<Map<string, Array<[number, number]>>>(new Map());
  const pending = useRef<TwinSample[]>([]);
  const flush = useRef<number | undefined>(undefined);
  const live = useSse(`/api/twins/stream?asset=${encodeURIComponent(props.asset)}&snapshot=true`, (m) => {
    try {
      const v = JSON.parse(m.data) as TwinSample | TwinSample[];
      pending.current.push(...(Array.isArray(v) ? v : [v]).filter((s) => s.assetId === props.asset));
    } catch {
      return;
    }
    // Samples can come thousands a second: render at most four times a second.
    flush.current ??= window.setTimeout(() => {
      flush.current = undefined;
      const batch = pending.current;
      pending.current = [];
      setValues((prev) => {
        const next = new Map(prev);
        for (const s of batch) next.set(s.property, s);
        return next;
      });
      setSeries((prev) => {
        const next = new Map(prev);
        for (const s of batch) {
          if (typeof s.value !== 'number') continue;
          const arr = [...(next.get(s.property) ?? []), [s.sourceTs / 1000, s.value] as [number, number]];
          next.set(s.property, arr.slice(-600));
        }
        return next;
      });
    }, 250);
  });
  const desc =
    shell?.description?.find((d) => d.language.startsWith(lang === 'en' ? 'en' : 'zh'))?.text ??
    shell?.description?.[0]?.text;

  return (
    <>
      <Section title={shell ? shellName(shell, lang) : props.asset}>
        {shell ? (
          <>
            {desc && <p>{desc}</p>}
            <p class="muted small">
              <code>{shell.id}</code>
              {shell.assetInformation.globalAssetId && (
                <>
                  {' '}
                  · <code>{shell.assetInformation.globalAssetId}</code>
                </>
              )}
            </p>
          </>
        ) : (
          <p class="muted">{t('twins.noShell')}</p>
        )}
      </Section>
      <Section title={t('twins.live')} actions={<LiveIndicator status={live} />}>
        {live === 'unavailable' ? (
          <Unavailable what="feature.twinStream" />
        ) : values.size === 0 ? (
          <Empty>{t('twins.live.empty')}</Empty>
        ) : (
          <LiveTable values={values} />
        )}
      </Section>
      <History
        asset={props.asset}
        numeric={[...values.values()].filter((v) => typeof v.value === 'number').map((v) => v.property)}
        live={series}
      />
      <Section title={t('twins.submodels')}>
        <Async
          loaded={submodels}
          what="feature.twins"
          isEmpty={(d) => d.length === 0}
          empty={t('twins.submodels.empty')}
        >
          {(d) => (
            <>
              {d.map((sm) => (
                <SubmodelView key={sm.id} sm={sm} />
              ))}
            </>
          )}
        </Async>
      </Section>
    </>
  );
}

function LiveTable(props: { values: Map<string, TwinSample> }) {
  const { t, fmt } = useI18n();
  const rows = [...props.values.values()].sort((a, b) => a.property.localeCompare(b.property));
  return (
    <table class="table">
      <caption class="sr-only">{t('twins.live')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('twins.property')}</th>
          <th scope="col">{t('twins.value')}</th>
          <th scope="col">{t('twins.quality')}</th>
          <th scope="col">{t('twins.measured')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((s) => (
          <tr key={s.property}>
            <th scope="row">{s.property}</th>
            <td class="num">
              {typeof s.value === 'number' ? fmt.number(s.value, 3) : String(s.value)} {s.unit ?? ''}
            </td>
            <td>
              <Badge tone={s.quality === 'good' ? 'good' : 'warn'}>
                {t(s.quality === 'good' ? 'twins.good' : 'twins.stale')}
              </Badge>
            </td>
            <td>{fmt.time(s.sourceTs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const RANGES = [
  { key: 'twins.range.15m', ms: 15 * 60_000, res: 5_000 },
  { key: 'twins.range.1h', ms: 3600_000, res: 15_000 },
  { key: 'twins.range.24h', ms: 24 * 3600_000, res: 300_000 },
] as const;

function History(props: { asset: string; numeric: string[]; live: Map<string, Array<[number, number]>> }) {
  const { t } = useI18n();
  const [prop, setProp] = useState<string | undefined>();
  const [range, setRange] = useState(1);
  const property = prop ?? props.numeric[0];
  const r = RANGES[range]!;
  const hist = useLoad(async () => {
    if (!property) return undefined;
    const now = Date.now();
    return client.history(props.asset, property, now - r.ms, now, r.res);
  }, [props.asset, property, range]);
  const data = useMemo(() => {
    const pts: Array<[number, number]> = (hist.data?.points ?? []).map((p) => [p.t / 1000, p.value]);
    const last = pts[pts.length - 1]?.[0] ?? 0;
    for (const p of (property && props.live.get(property)) || []) if (p[0] > last) pts.push(p);
    return [pts.map((p) => p[0]), pts.map((p) => p[1])];
  }, [hist.data, props.live, property]);

  return (
    <Section
      title={t('twins.history')}
      actions={
        <div class="row">
          <label for="hist-prop" class="small">
            {t('twins.property')}
          </label>
          <select
            id="hist-prop"
            value={property ?? ''}
            onChange={(e) => setProp((e.currentTarget as HTMLSelectElement).value)}
          >
            {props.numeric.length === 0 && <option value="">—</option>}
            {props.numeric.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <label for="hist-range" class="small">
            {t('twins.range')}
          </label>
          <select
            id="hist-range"
            value={String(range)}
            onChange={(e) => setRange(Number((e.currentTarget as HTMLSelectElement).value))}
          >
            {RANGES.map((x, i) => (
              <option key={x.key} value={String(i)}>
                {t(x.key)}
              </option>
            ))}
          </select>
        </div>
      }
    >
      {!property ? (
        <Empty>{t('twins.history.pick')}</Empty>
      ) : hist.status === 'unavailable' && (data[0]?.length ?? 0) === 0 ? (
        <Unavailable what="feature.history" />
      ) : (
        <Async
          loaded={hist.status === 'unavailable' ? { ...hist, status: 'ok', data: undefined } : hist}
          what="feature.history"
        >
          {() =>
            (data[0]?.length ?? 0) === 0 ? (
              <Empty>{t('twins.history.empty')}</Empty>
            ) : (
              <LineChart
                label={t('twins.history.of', { property, asset: props.asset })}
                series={[{ label: property, color: '#0b6e69' }]}
                data={data}
              />
            )
          }
        </Async>
      )}
    </Section>
  );
}

function SubmodelView(props: { sm: AasSubmodel }) {
  const { t } = useI18n();
  const rows = flatten(props.sm.submodelElements ?? [], '');
  return (
    <details class="submodel">
      <summary>
        {props.sm.idShort ?? props.sm.id} <span class="muted small">({rows.length})</span>
      </summary>
      <table class="table compact">
        <caption class="sr-only">{props.sm.idShort ?? props.sm.id}</caption>
        <thead>
          <tr>
            <th scope="col">{t('twins.element')}</th>
            <th scope="col">{t('twins.value')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([path, value]) => (
            <tr key={path}>
              <th scope="row">
                <code>{path}</code>
              </th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** Submodel elements as `path.to.element → value` rows (collections and lists opened). */
function flatten(els: AasSubmodelElement[], prefix: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  els.forEach((e, i) => {
    const path = `${prefix}${e.idShort ?? `[${i}]`}`;
    const v = e.value;
    if (Array.isArray(v)) {
      if (v.length > 0 && 'language' in (v[0] as object)) {
        out.push([
          path,
          (v as Array<{ language: string; text: string }>)
            .map((l) => `${l.text} (${l.language})`)
            .join(' · '),
        ]);
      } else out.push(...flatten(v as AasSubmodelElement[], `${path}.`));
    } else out.push([path, v ?? '']);
  });
  return out.slice(0, 500);
}

function Capacity() {
  const { t } = useI18n();
  const cap = useLoad(() => client.capacity(28), [], 60_000);
  return (
    <Section title={t('twins.capacity.title')}>
      <p class="muted small">{t('twins.capacity.intro')}</p>
      <Async
        loaded={cap}
        what="feature.capacity"
        isEmpty={(d) => Object.keys(d.processes).length === 0 || d.days.length === 0}
        empty={t('twins.capacity.empty')}
      >
        {(d) => <HeatMap capacity={d} />}
      </Async>
    </Section>
  );
}
