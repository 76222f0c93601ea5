/**
 * Login: the address `weft start` prints logs in by itself; otherwise paste the admin token (from the
 * data dir's `admin-token` file). The token is exchanged for a session cookie and not kept.
 */
import { useState } from 'preact/hooks';
import { isUnauthorized } from '../api.js';
import { useI18n } from '../i18n.js';
import type { MsgKey } from '../strings.js';
import { LangSelect, Spinner } from '../ui.js';

export function Login(props: { notice: MsgKey | undefined; onLogin: (token: string) => Promise<void> }) {
  const { t } = useI18n();
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!token.trim()) {
      setError(t('login.empty'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await props.onLogin(token.trim());
    } catch (err) {
      setError(isUnauthorized(err) ? t('login.wrong') : (err as Error).message);
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <div class="login-card">
        <div class="login-top">
          <span class="logo" aria-hidden="true">
            W
          </span>
          <LangSelect />
        </div>
        <h1 id="page-title" tabIndex={-1}>
          {t('login.title')}
        </h1>
        <p>{t('login.intro')}</p>
        {props.notice && (
          <p class="notice" role="status">
            {t(props.notice)}
          </p>
        )}
        <form onSubmit={submit} noValidate>
          <label for="token">{t('login.token')}</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="current-password"
            value={token}
            aria-describedby="token-help"
            aria-invalid={error ? 'true' : undefined}
            onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)}
          />
          <p id="token-help" class="help">
            {t('login.help')}
          </p>
          {error && (
            <p class="field-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="btn primary" disabled={busy}>
            {busy && <Spinner />}
            {t('login.submit')}
          </button>
        </form>
      </div>
    </main>
  );
}
