import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { FormProblem } from '@/components/form';
import { MARKETPLACES } from '@/lib/enums';
import { periodOf, useDraftFromQuestion, useTopQuestions } from '../api/knowledge';

const PERIODS = [7, 30, 90] as const;

/** The "top 20" sellers ask for: the period's buyer questions grouped by meaning, what already answers each,
 * and one click to draft an article or a template from a group. */
export function TopQuestions({ canEdit, onDraftedArticle }: { canEdit: boolean; onDraftedArticle: (id: string) => void }) {
  const { t } = useTranslation();
  const [days, setDays] = useState<number>(30);
  const [marketplace, setMarketplace] = useState('');
  // The period is fixed when the pickers change, so the drafts name the groups the list shows.
  const period = useMemo(() => periodOf(days), [days]);
  const filters = { ...period, marketplace };
  const top = useTopQuestions(filters);
  const draft = useDraftFromQuestion();
  const [drafted, setDrafted] = useState<Record<string, string>>({});

  const onDraft = (kind: 'article' | 'template', key: string) =>
    draft.mutate(
      { kind, key, ...filters },
      {
        onSuccess: (result) => {
          setDrafted((d) => ({ ...d, [`${kind}:${key}`]: result.id }));
          if (kind === 'article') onDraftedArticle(result.id);
        },
      },
    );

  return (
    <section className="top-questions" data-testid="top-questions" aria-labelledby="top-questions-title">
      <header className="settings-page__head">
        <div>
          <h2 id="top-questions-title">{t('topQuestions.title')}</h2>
          <p className="muted">{t('topQuestions.intro')}</p>
        </div>
        <div className="split__filter-row">
          <select value={days} aria-label={t('topQuestions.period')} onChange={(e) => setDays(Number(e.target.value))} data-testid="top-questions-period">
            {PERIODS.map((d) => (
              <option key={d} value={d}>
                {t('topQuestions.lastDays', { count: d })}
              </option>
            ))}
          </select>
          <select value={marketplace} aria-label={t('topQuestions.marketplace')} onChange={(e) => setMarketplace(e.target.value)} data-testid="top-questions-marketplace">
            <option value="">{t('topQuestions.allMarketplaces')}</option>
            {MARKETPLACES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
      </header>
      {top.error ? <ErrorNotice error={top.error} /> : null}
      <FormProblem error={draft.error} />
      {top.isLoading ? <Spinner /> : null}
      {top.data ? (
        <>
          <p className="muted" data-testid="top-questions-summary">
            {t('topQuestions.summary', { questions: top.data.questions, groups: top.data.clusters_total })}
          </p>
          {top.data.clusters.length === 0 ? <p className="muted">{t('topQuestions.none')}</p> : null}
          <ol className="top-questions__list">
            {top.data.clusters.map((c) => (
              <li key={c.key} className="top-questions__item" data-testid="top-question">
                <div className="top-questions__head">
                  <strong data-testid="top-question-label">{c.label}</strong>{' '}
                  <span className="tag" data-testid="top-question-count">
                    {t('topQuestions.count', { count: c.count })}
                  </span>{' '}
                  {c.marketplaces.map((m) => (
                    <span key={m.value} className="tag tag--muted">
                      {m.value} {m.count}
                    </span>
                  ))}
                  {c.skus.slice(0, 3).map((s) => (
                    <span key={s.value} className="tag tag--muted">
                      {s.value} {s.count}
                    </span>
                  ))}
                </div>
                <div className="muted" data-testid="top-question-covered">
                  {c.covered_by.length === 0
                    ? t('topQuestions.notCovered')
                    : `${t('topQuestions.coveredBy')} ${c.covered_by.map((x) => `${t(`topQuestions.kind.${x.kind}`)} “${x.title}”`).join(', ')}`}
                </div>
                <details>
                  <summary>{t('topQuestions.examples', { count: c.examples.length })}</summary>
                  <ul>
                    {c.examples.map((e) => (
                      <li key={e.message_id}>
                        <Link to={`/inbox/${e.conversation_id}`} data-testid="top-question-example">
                          {e.text}
                        </Link>
                      </li>
                    ))}
                  </ul>
                </details>
                {canEdit ? (
                  <div className="kb-actions">
                    <button
                      type="button"
                      className="btn btn--sm"
                      disabled={draft.isPending || `article:${c.key}` in drafted}
                      onClick={() => onDraft('article', c.key)}
                      data-testid="draft-article"
                    >
                      {`article:${c.key}` in drafted ? t('topQuestions.drafted') : t('topQuestions.draftArticle')}
                    </button>
                    <button
                      type="button"
                      className="btn btn--sm"
                      disabled={draft.isPending || `template:${c.key}` in drafted}
                      onClick={() => onDraft('template', c.key)}
                      data-testid="draft-template"
                    >
                      {`template:${c.key}` in drafted ? t('topQuestions.draftedTemplate') : t('topQuestions.draftTemplate')}
                    </button>
                  </div>
                ) : null}
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </section>
  );
}
