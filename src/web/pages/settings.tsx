/**
 * Settings: the node's profile and categories, its catalogue, the telemetry mapping of its twins and
 * the large-model endpoint. Read-only where the node has no endpoint to change them yet.
 */
import { useState } from 'preact/hooks';
import type { Profile, SettingsView } from '../../api/contract.js';
import { client, useLoad } from '../api.js';
import { useI18n } from '../i18n.js';
import { useNode } from '../node-context.js';
import {
  Async,
  Badge,
  Dl,
  ErrorBox,
  LangSelect,
  PageHeader,
  Section,
  Spinner,
  Table,
  Unavailable,
} from '../ui.js';

export function SettingsPage() {
  const { t, fmt, tMaybe } = useI18n();
  const node = useNode();
  const settings = useLoad(() => client.settings(), []);
  const catalog = useLoad(() => client.catalog(), []);
  const profile: Profile | undefined = settings.data?.profile ?? node?.profile;
  const writable = settings.data?.writable;

  return (
    <>
      <PageHeader title={t('settings.title')} intro={t('settings.intro')} />
      <div class="grid two">
        <Section title={t('settings.language')}>
          <p class="muted small">{t('settings.language.intro')}</p>
          <LangSelect />
        </Section>
        <Section
          title={t('settings.profile')}
          actions={!writable?.profile && <Badge>{t('settings.readOnly')}</Badge>}
        >
          {profile && (
            <Dl
              rows={[
                [t('profile.name'), profile.name],
                [t('profile.roles'), profile.roles.map((r) => tMaybe(`role.${r}`) ?? r).join(', ')],
                [t('profile.country'), profile.country],
                [t('profile.city'), profile.city],
                [t('profile.region'), profile.region],
                [t('profile.certifications'), profile.certifications.join(', ') || t('common.none')],
                [t('profile.uri'), profile.uri || t('settings.uri.auto')],
              ]}
            />
          )}
          {!writable?.profile && <p class="muted small">{t('settings.readOnly.body')}</p>}
        </Section>
      </div>
      <Section title={t('settings.categories')}>
        {profile && profile.categories.length > 0 ? (
          <ul class="chips" aria-label={t('profile.categories')}>
            {profile.categories.map((c) => (
              <li key={c}>
                {tMaybe(`cat.${c}`) ?? c} <code>{c}</code>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">{t('settings.categories.empty')}</p>
        )}
        <h3>{t('settings.catalog')}</h3>
        <Async
          loaded={catalog}
          what="feature.catalog"
          isEmpty={(d) => d.items.length === 0}
          empty={t('settings.catalog.empty')}
        >
          {(d) => (
            <Table
              label={t('settings.catalog')}
              cols={[
                t('settings.item'),
                t('profile.categories'),
                t('settings.price'),
                t('settings.stock'),
                t('settings.leadTime'),
              ]}
              rows={d.items}
              rowKey={(i) => i.id}
              row={(i) => (
                <>
                  <td>
                    {i.name} <code>{i.id}</code>
                  </td>
                  <td>{i.categories.map((c) => tMaybe(`cat.${c}`) ?? c).join(', ')}</td>
                  <td class="num">{fmt.money(i.price, i.currency)}</td>
                  <td class="num">{fmt.number(i.stock)}</td>
                  <td>
                    <code>{i.leadTime}</code>
                  </td>
                </>
              )}
            />
          )}
        </Async>
      </Section>
      <div class="grid two">
        <Section title={t('settings.telemetry')}>
          {settings.status === 'unavailable' ? (
            <Unavailable what="feature.settings" />
          ) : (
            <Async loaded={settings} what="feature.settings">
              {(s) => <Telemetry s={s} />}
            </Async>
          )}
        </Section>
        <Section title={t('settings.llm')}>
          <p class="muted small">{t('settings.llm.intro')}</p>
          {settings.status === 'unavailable' ? (
            <Unavailable what="feature.settings" />
          ) : (
            <Async loaded={settings} what="feature.settings">
              {(s) => <Llm s={s} onSaved={settings.reload} />}
            </Async>
          )}
        </Section>
      </div>
    </>
  );
}

function Telemetry(props: { s: SettingsView }) {
  const { t } = useI18n();
  const { sources, mappings } = props.s.telemetry;
  return (
    <>
      <ul class="plain">
        {sources.map((s) => (
          <li key={`${s.kind}-${s.target}`}>
            <Badge tone={s.status === 'up' ? 'good' : 'bad'}>
              {t(s.status === 'up' ? 'settings.up' : 'settings.down')}
            </Badge>{' '}
            {s.kind} <code>{s.target}</code>
          </li>
        ))}
      </ul>
      {mappings.length === 0 ? (
        <p class="muted">{t('settings.mappings.empty')}</p>
      ) : (
        <Table
          label={t('settings.telemetry')}
          compact
          cols={[t('settings.source'), t('twins.asset'), t('twins.property'), t('settings.unit')]}
          rows={mappings}
          rowKey={(m) => `${m.source}-${m.asset}-${m.property}`}
          row={(m) => (
            <>
              <td>
                <code>{m.source}</code>
              </td>
              <td>{m.asset}</td>
              <td>{m.property}</td>
              <td>{m.unit ?? '—'}</td>
            </>
          )}
        />
      )}
    </>
  );
}

function Llm(props: { s: SettingsView; onSaved: () => void }) {
  const { t } = useI18n();
  const { llm, writable } = props.s;
  const [endpoint, setEndpoint] = useState(llm.endpoint ?? '');
  const [model, setModel] = useState(llm.model ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const tone = llm.status === 'ok' ? 'good' : llm.status === 'off' ? 'neutral' : 'bad';
  const status = (
    <p>
      <Badge tone={tone}>{t(`settings.llm.${llm.status}`)}</Badge>{' '}
      {llm.endpoint ? <code>{llm.endpoint}</code> : t('settings.llm.builtin')}
      {llm.model && <> · {llm.model}</>}
    </p>
  );
  if (!writable.llm) return status;
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await client.putLlm({ endpoint: endpoint.trim() || null, model: model.trim() || null });
      props.onSaved();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {status}
      <form class="stack" onSubmit={save}>
        <label for="llm-endpoint">{t('settings.llm.endpoint')}</label>
        <input
          id="llm-endpoint"
          type="url"
          value={endpoint}
          placeholder="http://127.0.0.1:11434/v1"
          onInput={(e) => setEndpoint((e.currentTarget as HTMLInputElement).value)}
        />
        <label for="llm-model">{t('settings.llm.model')}</label>
        <input
          id="llm-model"
          value={model}
          onInput={(e) => setModel((e.currentTarget as HTMLInputElement).value)}
        />
        <div class="row">
          <button type="submit" class="btn primary" disabled={busy}>
            {busy && <Spinner />}
            {t('action.save')}
          </button>
        </div>
      </form>
      {error && <ErrorBox error={error} />}
    </>
  );
}
