/**
 * The dashboard's entry. A login URL carries the admin token in its fragment (`/#token=…`): it is
 * taken out of the address bar before anything renders, then exchanged once for a session cookie.
 */
import { render } from 'preact';
import { App } from './app.js';
import './styles.css';

function takeFragmentToken(): string | undefined {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m?.[1]) return undefined;
  history.replaceState(history.state, '', location.pathname + location.search);
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
}

const root = document.getElementById('app');
if (root) render(<App fragmentToken={takeFragmentToken()} />, root);
