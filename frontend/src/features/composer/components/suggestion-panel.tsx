import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSuggestions, type Suggestion } from '../api/suggestions';

/** "Suggested answers": the few best articles and templates with why each was suggested; Insert fills
 * the composer with the text already filled for this conversation. */
export function SuggestionPanel({
  conversationId,
  lastMessageAt,
  onInsert,
}: {
  conversationId: string;
  lastMessageAt: string;
  onInsert: (suggestion: Suggestion) => void;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(true);
  const suggestions = useSuggestions(conversationId, lastMessageAt);
  const items = suggestions.data ?? [];
  if (!suggestions.isLoading && items.length === 0 && !suggestions.error) return null;

  const reason = (r: Suggestion['reasons'][number]) => t(`suggestions.reason.${r.code}`, { detail: r.code === 'category' || r.code === 'related_category' ? r.detail.split(', ').map((c) => t(`category.${c}`, { defaultValue: c })).join(', ') : r.code === 'used' ? r.detail.split('/')[0] : r.detail });

  return (
    <section className="suggestions" aria-label={t('suggestions.title')} data-testid="suggestions">
      <button type="button" className="suggestions__toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {t('suggestions.title')} {items.length ? `(${items.length})` : ''}
      </button>
      {open ? (
        <>
          {suggestions.isLoading ? <p className="muted">{t('common.loading')}</p> : null}
          {suggestions.error ? <p className="muted">{t('suggestions.unavailable')}</p> : null}
          <ul className="suggestions__list">
            {items.map((s) => (
              <li key={`${s.kind}:${s.id}`} className="suggestion" data-testid="suggestion" data-kind={s.kind}>
                <div className="suggestion__head">
                  <span className={`tag ${s.kind === 'article' ? 'tag--ok' : 'tag--muted'}`}>{t(`suggestions.kind.${s.kind}`)}</span>
                  <strong className="suggestion__title">{s.title}</strong>
                  <span className="row__spacer" />
                  <button type="button" className="btn btn--sm" onClick={() => onInsert(s)} data-testid="insert-suggestion" title={s.blocking ? t('composer.lintBlocked') : undefined}>
                    {t('suggestions.insert')}
                  </button>
                </div>
                <p className="suggestion__text">{s.text.length > 220 ? `${s.text.slice(0, 220)}…` : s.text}</p>
                <p className="suggestion__why muted" data-testid="suggestion-why">
                  {t('suggestions.why')} {s.reasons.map(reason).join(' · ')}
                  {s.blocking ? <span className="tag tag--danger">{t('composer.lintBlocked')}</span> : null}
                  {s.warnings.length ? <span> · {t('suggestions.missing', { count: s.warnings.length })}</span> : null}
                </p>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
