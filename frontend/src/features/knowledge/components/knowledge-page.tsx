import { useRef, useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState, ErrorNotice, Spinner } from '@/components/feedback';
import { FormProblem } from '@/components/form';
import { useArticles, useHelpSites, useImport } from '../api/knowledge';
import { ARTICLE_LANGUAGES } from '../lib/languages';
import { ArticleEditor } from './article-editor';
import { TopQuestions } from './top-questions';

const STATUSES = ['draft', 'published', 'archived'] as const;

/** The knowledge base: searchable list, an editor with preview and language variants, Markdown import. */
export function KnowledgePage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('');
  const [language, setLanguage] = useState('');
  const [selected, setSelected] = useState<string | 'new' | null>(null);
  const articles = useArticles({ q, status, language });
  const sites = useHelpSites();
  const importer = useImport();
  const fileInput = useRef<HTMLInputElement>(null);

  const onFiles = async (e: ChangeEvent<HTMLInputElement>) => {
    const files = [...(e.target.files ?? [])];
    e.target.value = '';
    if (files.length === 0) return;
    importer.mutate(await Promise.all(files.map(async (f) => ({ name: f.name, content: await f.text() }))));
  };

  return (
    <section className="settings-page knowledge" data-testid="knowledge-page">
      <header className="settings-page__head">
        <div>
          <h1>{t('knowledge.title')}</h1>
          <p className="muted">{t('knowledge.intro')}</p>
          {(sites.data ?? []).length > 0 ? (
            <p className="muted">
              {t('knowledge.helpPages')}{' '}
              {(sites.data ?? []).map((s) => (
                <a key={s.id} href={s.path} target="_blank" rel="noreferrer" className="knowledge__site" data-testid="help-site-link">
                  {s.title} ({s.path})
                </a>
              ))}
            </p>
          ) : null}
        </div>
        {canEdit ? (
          <div className="kb-actions">
            <input ref={fileInput} type="file" accept=".md,text/markdown" multiple hidden onChange={(e) => void onFiles(e)} data-testid="import-files" />
            <button type="button" className="btn btn--sm" onClick={() => fileInput.current?.click()} disabled={importer.isPending}>
              {t('knowledge.import')}
            </button>
            <button type="button" className="btn btn--primary btn--sm" onClick={() => setSelected('new')} data-testid="new-article">
              {t('knowledge.new')}
            </button>
          </div>
        ) : null}
      </header>
      {importer.data ? (
        <div className="notice notice--info" role="status">
          {t('knowledge.imported', importer.data)}
        </div>
      ) : null}
      <FormProblem error={importer.error} />
      {articles.error ? <ErrorNotice error={articles.error} /> : null}
      <div className="split">
        <aside className="split__list">
          <div className="split__filters">
            <input
              type="search"
              value={q}
              maxLength={200}
              placeholder={t('knowledge.search')}
              aria-label={t('knowledge.search')}
              onChange={(e) => setQ(e.target.value)}
              data-testid="knowledge-search"
            />
            <div className="split__filter-row">
              <select value={status} aria-label={t('knowledge.status')} onChange={(e) => setStatus(e.target.value)}>
                <option value="">{t('knowledge.allStatuses')}</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`knowledge.statuses.${s}`)}
                  </option>
                ))}
              </select>
              <select value={language} aria-label={t('knowledge.language')} onChange={(e) => setLanguage(e.target.value)}>
                <option value="">{t('knowledge.anyLanguage')}</option>
                {ARTICLE_LANGUAGES.map((l) => (
                  <option key={l} value={l}>
                    {t(`templates.lang.${l}`)}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {articles.isLoading ? (
            <Spinner />
          ) : (
            <div className="split__items" data-testid="article-list">
              {(articles.data ?? []).length === 0 ? <p className="muted split__empty">{t('knowledge.none')}</p> : null}
              {(articles.data ?? []).map((a) => (
                <button
                  key={a.id}
                  type="button"
                  className={`split__item${a.id === selected ? ' is-active' : ''}${a.status === 'archived' ? ' is-inactive' : ''}`}
                  onClick={() => setSelected(a.id)}
                  data-testid="article-item"
                >
                  <span className="split__item-name">{a.title}</span>
                  <span className="split__item-meta">
                    <span className={`tag ${a.status === 'published' ? 'tag--ok' : 'tag--muted'}`}>{t(`knowledge.statuses.${a.status}`)}</span>
                    {a.languages.map((l) => (
                      <span key={l} className="tag tag--muted">
                        {l}
                      </span>
                    ))}
                    <span title={t('knowledge.countsHint')}>{t('knowledge.counts', { answered: a.answered_count, sent: a.sent_count })}</span>
                  </span>
                </button>
              ))}
            </div>
          )}
        </aside>
        <div className="split__detail">
          {selected === null ? (
            <EmptyState title={t('knowledge.pick')} hint={canEdit ? t('knowledge.pickHint') : undefined} />
          ) : (
            <ArticleEditor key={selected} articleId={selected === 'new' ? null : selected} canEdit={canEdit} onCreated={(id) => setSelected(id)} />
          )}
        </div>
      </div>
      <TopQuestions canEdit={canEdit} onDraftedArticle={(id) => setSelected(id)} />
    </section>
  );
}
