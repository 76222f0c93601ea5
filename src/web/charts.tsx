/**
 * Charts: live time series with uPlot (loaded on first use, so pages without a chart do not pay for
 * it), and the capacity calendar as a heat map of our own (SVG cells with a table for screen readers).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { CapacityView } from '../api/contract.js';
import { useI18n } from './i18n.js';
import { Loading, Scroll } from './ui.js';

type UPlotCtor = typeof uPlot;
let loading: Promise<UPlotCtor> | undefined;
/** uPlot and its stylesheet, fetched once. */
function loadUPlot(): Promise<UPlotCtor> {
  loading ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m.default);
  return loading;
}

export interface Series {
  label: string;
  /** A CSS colour. */
  color: string;
}

/**
 * A time-series line chart. `data[0]` is the time axis in seconds since the epoch, then one array per
 * series. `label` names the chart for assistive technology; the latest values are also given as text.
 */
export function LineChart(props: { label: string; series: Series[]; data: number[][]; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [ready, setReady] = useState(false);
  const key = props.series.map((s) => s.label).join('|');

  useEffect(() => {
    let alive = true;
    let ro: ResizeObserver | undefined;
    void loadUPlot().then((UPlot) => {
      const el = host.current;
      if (!alive || !el) return;
      const width = Math.max(240, el.clientWidth);
      plot.current = new UPlot(
        {
          width,
          height: props.height ?? 220,
          legend: { show: true },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: true } },
          axes: [{ stroke: '#4a5560' }, { stroke: '#4a5560', size: 56 }],
          series: [
            {},
            ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true })),
          ],
        },
        props.data as uPlot.AlignedData,
        el,
      );
      ro = new ResizeObserver(() => {
        const w = Math.max(240, el.clientWidth);
        plot.current?.setSize({ width: w, height: props.height ?? 220 });
      });
      ro.observe(el);
      setReady(true);
    });
    return () => {
      alive = false;
      ro?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [key, props.height]);

  useEffect(() => {
    plot.current?.setData(props.data as uPlot.AlignedData);
  }, [props.data, ready]);

  return (
    <figure class="chart" aria-label={props.label} role="img">
      {!ready && <Loading />}
      <div ref={host} class="chart-host" />
    </figure>
  );
}

/**
 * The capacity calendar: one row per process, one column per day, each cell shaded by the free hours
 * that day (darker = more free). The same numbers are in a visually hidden table.
 */
export function HeatMap(props: { capacity: CapacityView }) {
  const { t, tMaybe, fmt } = useI18n();
  const { days, processes } = props.capacity;
  const rows = Object.entries(processes);
  const max = Math.max(1, ...rows.flatMap(([, hs]) => hs));
  const cell = 22;
  const gap = 3;
  const labelW = 150;
  const headH = 34;
  const width = labelW + days.length * (cell + gap);
  const height = headH + rows.length * (cell + gap);
  const procName = (p: string) => tMaybe(`cat.${p}`) ?? p;
  const shade = (h: number) => {
    // From pale (no free hours) to deep teal (the most free hours of any cell).
    const x = Math.max(0, Math.min(1, h / max));
    const l = 96 - x * 62;
    return `hsl(178 55% ${l}%)`;
  };
  return (
    <div class="heatmap">
      <Scroll class="heatmap-scroll" label={t('twins.capacity.title')}>
        <svg
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-label={t('twins.capacity.chart', { processes: rows.length, days: days.length })}
        >
          {days.map((d, i) =>
            i % 7 === 0 ? (
              <text key={d} x={labelW + i * (cell + gap)} y={14} class="hm-day">
                {fmt.date(d)}
              </text>
            ) : null,
          )}
          {rows.map(([proc, hours], r) => (
            <g key={proc}>
              <text x={0} y={headH + r * (cell + gap) + cell * 0.7} class="hm-proc">
                {procName(proc)}
              </text>
              {hours.map((h, c) => (
                <rect
                  key={`${proc}-${days[c]}`}
                  x={labelW + c * (cell + gap)}
                  y={headH + r * (cell + gap)}
                  width={cell}
                  height={cell}
                  rx={3}
                  fill={shade(h)}
                >
                  <title>{`${procName(proc)} · ${fmt.date(days[c] ?? '')} · ${t('unit.hours', { n: fmt.number(h, 1) })}`}</title>
                </rect>
              ))}
            </g>
          ))}
        </svg>
      </Scroll>
      <div class="hm-legend" aria-hidden="true">
        <span>{t('twins.capacity.none')}</span>
        <span class="hm-ramp" />
        <span>{t('unit.hours', { n: fmt.number(max, 1) })}</span>
      </div>
      <div class="sr-only">
        <table>
          <caption>{t('twins.capacity.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('twins.process')}</th>
              {days.map((d) => (
                <th scope="col" key={d}>
                  {fmt.date(d)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map(([proc, hours]) => (
              <tr key={proc}>
                <th scope="row">{procName(proc)}</th>
                {hours.map((h, c) => (
                  <td key={`${proc}-${days[c]}`}>{fmt.number(h, 1)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
