/**
 * Network: this node's place in the peer-to-peer network: connections, gossip topics and mesh, peer
 * scores, trusted partners, the signed directory, and message rates measured from /metrics.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { client, useLoad } from '../api.js';
import { metricBy, sumMetric } from '../beckn.js';
import { LineChart } from '../charts.js';
import { useI18n } from '../i18n.js';
import { Async, Badge, Dl, ErrorBox, Id, PageHeader, Section, Table } from '../ui.js';

export function NetworkPage() {
  const { t, fmt, tMaybe } = useI18n();
  const net = useLoad(() => client.network(), [], 5000);
  return (
    <>
      <PageHeader title={t('network.title')} intro={t('network.intro')} />
      <div class="grid two">
        <Section title={t('network.status')}>
          <Async loaded={net} what="feature.network">
            {(n) =>
              n.enabled ? (
                <Dl
                  rows={[
                    [
                      t('network.state'),
                      <Badge key="s" tone="good">
                        {t('network.on')}
                      </Badge>,
                    ],
                    [t('network.peerId'), n.peerId ? <Id key="p" value={n.peerId} keep={14} /> : '—'],
                    [t('network.connections'), fmt.number(n.connections ?? 0)],
                    [
                      t('network.addresses'),
                      <ul key="a" class="plain">
                        {(n.addrs ?? []).map((a) => (
                          <li key={a}>
                            <code>{a}</code>
                          </li>
                        ))}
                      </ul>,
                    ],
                  ]}
                />
              ) : (
                <p>
                  <Badge tone="neutral">{t('network.off')}</Badge> {t('network.off.body')}
                </p>
              )
            }
          </Async>
        </Section>
        <Rates />
      </div>
      <div class="grid two">
        <Section title={t('network.topics')}>
          <Async
            loaded={net}
            what="feature.network"
            isEmpty={(n) => Object.keys(n.topics ?? {}).length === 0}
            empty={t('network.topics.empty')}
          >
            {(n) => (
              <table class="table">
                <caption class="sr-only">{t('network.topics')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('network.topic')}</th>
                    <th scope="col">{t('network.subscribers')}</th>
                    <th scope="col">{t('network.mesh')}</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(n.topics ?? {}).map(([topic, v]) => (
                    <tr key={topic}>
                      <td>
                        <code>{topic}</code>
                      </td>
                      <td class="num">{fmt.number(v.subscribers)}</td>
                      <td class="num">{fmt.number(v.mesh)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Async>
        </Section>
        <Section title={t('network.scores')}>
          <Async
            loaded={net}
            what="feature.network"
            isEmpty={(n) => (n.scores ?? []).length === 0}
            empty={t('network.scores.empty')}
          >
            {(n) => (
              <table class="table">
                <caption class="sr-only">{t('network.scores')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('network.peer')}</th>
                    <th scope="col">{t('network.score')}</th>
                  </tr>
                </thead>
                <tbody>
                  {(n.scores ?? []).map((s) => (
                    <tr key={s.peer}>
                      <td>
                        <Id value={s.peer} keep={12} />
                      </td>
                      <td class="num">{fmt.number(s.score, 2)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Async>
        </Section>
      </div>
      <Section title={t('network.trusted')}>
        <Async
          loaded={net}
          what="feature.network"
          isEmpty={(n) => n.trusted.length === 0}
          empty={t('network.trusted.empty')}
        >
          {(n) => (
            <Table
              label={t('network.trusted')}
              cols={[t('profile.name'), t('profile.subscriberId'), t('profile.uri'), t('network.source')]}
              rows={n.trusted}
              rowKey={(p) => p.subscriberId}
              row={(p) => (
                <>
                  <td>{p.name ?? '—'}</td>
                  <td>
                    <Id value={p.subscriberId} keep={12} />
                  </td>
                  <td>
                    <code>{p.uri}</code>
                  </td>
                  <td>{tMaybe(`source.${p.source}`) ?? p.source}</td>
                </>
              )}
            />
          )}
        </Async>
      </Section>
      <Section title={t('network.directory')}>
        <Async
          loaded={net}
          what="feature.network"
          isEmpty={(n) => n.directory.length === 0}
          empty={t('network.directory.empty')}
        >
          {(n) => (
            <Table
              label={t('network.directory')}
              cols={[
                t('profile.name'),
                t('profile.region'),
                t('profile.roles'),
                t('profile.categories'),
                t('profile.subscriberId'),
              ]}
              rows={n.directory}
              rowKey={(r) => r.subscriber_id}
              row={(r) => (
                <>
                  <td>{r.name ?? '—'}</td>
                  <td>{r.region ?? '—'}</td>
                  <td>{(r.roles ?? []).map((x) => tMaybe(`role.${x}`) ?? x).join(', ')}</td>
                  <td>{(r.categories ?? []).map((c) => tMaybe(`cat.${c}`) ?? c).join(', ')}</td>
                  <td>
                    <Id value={r.subscriber_id} keep={12} />
                  </td>
                </>
              )}
            />
          )}
        </Async>
      </Section>
    </>
  );
}

interface Sample {
  at: number;
  inTotal: number;
  outTotal: number;
  needs: number;
  dropped: number;
  byAction: Record<string, number>;
}

/** Message rates: /metrics counters sampled every two seconds, as differences per second. */
function Rates() {
  const { t, fmt } = useI18n();
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState<Error | undefined>();
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    let alive = true;
    const tick = async () => {
      try {
        const text = await client.metrics();
        if (!alive) return;
        setError(undefined);
        setSamples((prev) =>
          [
            ...prev,
            {
              at: Date.now(),
              inTotal: sumMetric(text, 'weft_messages_in_total'),
              outTotal: sumMetric(text, 'weft_messages_out_total'),
              needs: sumMetric(text, 'weft_needs_received_total'),
              dropped: sumMetric(text, 'weft_gossip_dropped_total'),
              byAction: metricBy(text, 'weft_messages_in_total', 'action'),
            },
          ].slice(-90),
        );
      } catch (e) {
        if (alive) setError(e as Error);
      }
      if (alive) timer.current = window.setTimeout(() => void tick(), 2000);
    };
    void tick();
    return () => {
      alive = false;
      window.clearTimeout(timer.current);
    };
  }, []);

  const rates = samples.slice(1).map((s, i) => {
    const p = samples[i]!;
    const dt = Math.max(0.001, (s.at - p.at) / 1000);
    return {
      at: s.at / 1000,
      in: (s.inTotal - p.inTotal) / dt,
      out: (s.outTotal - p.outTotal) / dt,
      needs: (s.needs - p.needs) / dt,
    };
  });
  const last = rates[rates.length - 1];
  const latest = samples[samples.length - 1];
  return (
    <Section title={t('network.rates')}>
      {error && <ErrorBox error={error} />}
      <div class="stats">
        <div class="stat">
          <span class="stat-value">{last ? fmt.number(last.in, 1) : '—'}</span>
          <span class="stat-label">{t('network.rate.in')}</span>
        </div>
        <div class="stat">
          <span class="stat-value">{last ? fmt.number(last.out, 1) : '—'}</span>
          <span class="stat-label">{t('network.rate.out')}</span>
        </div>
        <div class="stat">
          <span class="stat-value">{last ? fmt.number(last.needs, 1) : '—'}</span>
          <span class="stat-label">{t('network.rate.needs')}</span>
        </div>
        <div class="stat">
          <span class="stat-value">{latest ? fmt.number(latest.dropped) : '—'}</span>
          <span class="stat-label">{t('network.dropped')}</span>
        </div>
      </div>
      {rates.length >= 2 ? (
        <LineChart
          label={t('network.rates.chart')}
          series={[
            { label: t('network.rate.in'), color: '#0b6e69' },
            { label: t('network.rate.out'), color: '#b4490f' },
            { label: t('network.rate.needs'), color: '#4c3fa8' },
          ]}
          data={[
            rates.map((r) => r.at),
            rates.map((r) => r.in),
            rates.map((r) => r.out),
            rates.map((r) => r.needs),
          ]}
          height={160}
        />
      ) : (
        <p class="muted small" role="status">
          {t('network.rates.wait')}
        </p>
      )}
      {latest && Object.keys(latest.byAction).length > 0 && (
        <p class="small muted">
          {t('network.byAction')}{' '}
          {Object.entries(latest.byAction)
            .sort((a, b) => b[1] - a[1])
            .map(([a, n]) => `${a} ${fmt.number(n)}`)
            .join(' · ')}
        </p>
      )}
    </Section>
  );
}
