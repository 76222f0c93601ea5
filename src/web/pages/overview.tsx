/** Overview: who this node is, who it knows, and what it has been doing (live). */
import type { LedgerEntrySummary } from '../../api/schemas.js';
import { client, useLiveLoad, useLoad } from '../api.js';
import { useI18n } from '../i18n.js';
import { useNode } from '../node-context.js';
import { pathOf } from '../router.js';
import { Async, Badge, Dl, Id, LiveIndicator, PageHeader, Party, Section } from '../ui.js';

export function OverviewPage() {
  const { t, tMaybe, fmt } = useI18n();
  const node = useNode();
  const peers = useLoad(() => client.peers(), [], 10_000);
  const network = useLoad(() => client.network(), [], 5_000);
  const outbox = useLiveLoad(() => client.outbox(), [], ['ledger'], 5_000);
  const deals = useLiveLoad(() => client.transactions(1000), [], ['deal'], 5_000);
  const activity = useLiveLoad(() => client.ledger(undefined, 12), [], ['ledger'], 3_000);

  const p = node?.profile;
  const cats = (xs: string[]) =>
    xs.length === 0 ? t('common.none') : fmt.list(xs.map((c) => tMaybe(`cat.${c}`) ?? c));

  return (
    <>
      <PageHeader title={t('overview.title')} intro={t('overview.intro')} />
      <div class="grid two">
        <Section title={t('overview.identity')}>
          {p && node ? (
            <Dl
              rows={[
                [t('profile.name'), p.name],
                [
                  t('profile.roles'),
                  fmt.list(p.roles.map((r) => t(r === 'buyer' ? 'role.buyer' : 'role.supplier'))),
                ],
                [t('profile.region'), `${p.region} · ${p.country} · ${p.city}`],
                [t('profile.categories'), cats(p.categories)],
                [
                  t('profile.certifications'),
                  p.certifications.length ? fmt.list(p.certifications) : t('common.none'),
                ],
                [t('profile.subscriberId'), <Id key="s" value={node.subscriberId} keep={16} />],
                [t('profile.uri'), <code key="u">{node.uri}</code>],
              ]}
            />
          ) : null}
        </Section>
        <Section title={t('overview.numbers')}>
          <div class="stats">
            <Stat label={t('overview.peers')} value={peers.data?.peers.length} />
            <Stat
              label={t('overview.connections')}
              value={
                network.data
                  ? network.data.enabled
                    ? (network.data.connections ?? 0)
                    : undefined
                  : undefined
              }
              note={network.data && !network.data.enabled ? t('network.off') : undefined}
            />
            <Stat
              label={t('overview.deals')}
              value={deals.data ? new Set(deals.data.deals.map((d) => d.transactionId)).size : undefined}
            />
            <Stat label={t('overview.ledger')} value={activity.data?.total} />
            <Stat label={t('overview.outbox')} value={outbox.data?.pending} />
          </div>
        </Section>
      </div>
      <Section title={t('overview.activity')} actions={<LiveIndicator status={activity.live} />}>
        <Async
          loaded={activity}
          what="feature.ledger"
          isEmpty={(d) => d.entries.length === 0}
          empty={t('overview.activity.empty')}
        >
          {(d) => <ActivityList entries={[...d.entries].reverse()} />}
        </Async>
      </Section>
    </>
  );
}

function Stat(props: { label: string; value: number | undefined; note?: string | undefined }) {
  const { fmt } = useI18n();
  return (
    <div class="stat">
      <span class="stat-value">{props.value === undefined ? '—' : fmt.number(props.value)}</span>
      <span class="stat-label">{props.label}</span>
      {props.note && <span class="stat-note">{props.note}</span>}
    </div>
  );
}

export function ActivityList(props: { entries: LedgerEntrySummary[] }) {
  const { t, fmt } = useI18n();
  return (
    <ol class="activity">
      {props.entries.map((e) => (
        <li key={e.seq}>
          <time dateTime={new Date(e.recordedAt).toISOString()} title={fmt.dateTime(e.recordedAt)}>
            {fmt.time(e.recordedAt)}
          </time>
          <Badge tone={e.direction === 'in' ? 'info' : 'neutral'}>
            {t(e.direction === 'in' ? 'dir.in' : 'dir.out')}
          </Badge>
          <code class="action">{e.action}</code>
          <span class="muted">{t(e.direction === 'in' ? 'dir.from' : 'dir.to')}</span>
          <Party id={e.counterparty} />
          <a href={pathOf('orders', e.transactionId)} class="tx">
            <span class="sr-only">{t('orders.open')} </span>
            <Id value={e.transactionId} keep={8} />
          </a>
        </li>
      ))}
    </ol>
  );
}
