/** Why an offer ranks where it does, or why a need fits: each reason worded in the user's language. */
import type { Reason } from '../../api/contract.js';
import { useI18n } from '../i18n.js';

export function Reasons(props: { reasons: Reason[] }) {
  const { t, tMaybe } = useI18n();
  if (props.reasons.length === 0) return null;
  return (
    <ul class="reasons" aria-label={t('offer.reasons')}>
      {props.reasons.map((r) => {
        const tone = r.weight > 0 ? 'plus' : r.weight < 0 ? 'minus' : 'zero';
        return (
          <li key={`${r.code}-${r.text}`} class={tone}>
            <span class="sign" aria-hidden="true">
              {r.weight > 0 ? '+' : r.weight < 0 ? '−' : '·'}
            </span>
            <span class="sr-only">
              {t(tone === 'plus' ? 'reason.helps' : tone === 'minus' ? 'reason.hurts' : 'reason.neutral')}
            </span>
            {tMaybe(`reason.${r.code}`, r.params) ?? r.text}
          </li>
        );
      })}
    </ul>
  );
}
