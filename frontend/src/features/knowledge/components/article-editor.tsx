import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Spinner } from '@/components/feedback';
import { Field, FormProblem } from '@/components/form';
import { api } from '@/lib/api-client';
import { fieldErrorsOf } from '@/lib/field-errors';
import { formatDateTime } from '@/lib/format';
import { sanitizeHtml } from '@/lib/sanitize';
import {
  useArticle,
  useCreateArticle,
  useDeleteVariant,
  usePreview,
  usePublishVariant,
  useSaveVariant,
  useTranslateArticle,
  useUpdateArticle,
  useVersions,
  type Article,
  type Language,
  type Status,
} from '../api/knowledge';
import { ARTICLE_CATEGORIES, ARTICLE_LANGUAGES, MARKETPLACES, splitList } from '../lib/languages';

type Category = (typeof ARTICLE_CATEGORIES)[number];
type Marketplace = (typeof MARKETPLACES)[number];

/** One article: its language variants in tabs (title + Markdown with a live, sanitised preview),
 * scope and tags, publishing, and the version history of the variant shown. */
export function ArticleEditor({ articleId, canEdit, onCreated }: { articleId: string | null; canEdit: boolean; onCreated: (id: string) => void }) {
  const article = useArticle(articleId);
  if (articleId !== null && !article.data) return <Spinner />;
  return <Editor article={article.data ?? null} canEdit={canEdit} onCreated={onCreated} />;
}

function Editor({ article, canEdit, onCreated }: { article: Article | null; canEdit: boolean; onCreated: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const [language, setLanguage] = useState<Language>((article?.default_language as Language | undefined) ?? 'en');
  const variant = article?.variants.find((v) => v.language === language) ?? null;
  const [title, setTitle] = useState(variant?.title ?? '');
  const [body, setBody] = useState(variant?.body ?? '');
  const [tags, setTags] = useState((article?.tags ?? []).join(', '));
  const [categories, setCategories] = useState<string[]>(article?.categories ?? []);
  const [marketplaces, setMarketplaces] = useState<string[]>(article?.marketplaces ?? []);
  const [debounced, setDebounced] = useState(body);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    const id = setTimeout(() => setDebounced(body), 300);
    return () => clearTimeout(id);
  }, [body]);
  // Switching language shows that variant (or an empty one to add).
  useEffect(() => {
    setTitle(variant?.title ?? '');
    setBody(variant?.body ?? '');
    setSaved(false);
  }, [variant?.language, variant?.version]); // eslint-disable-line react-hooks/exhaustive-deps

  const preview = usePreview(debounced);
  const create = useCreateArticle();
  const update = useUpdateArticle(article?.id ?? '');
  const saveVariant = useSaveVariant(article?.id ?? '');
  const deleteVariant = useDeleteVariant(article?.id ?? '');
  const versions = useVersions(article?.id ?? null, language);
  const translateArticle = useTranslateArticle(article?.id ?? '');
  const publishVariant = usePublishVariant(article?.id ?? '');
  const error = create.error ?? saveVariant.error ?? update.error ?? deleteVariant.error ?? translateArticle.error ?? publishVariant.error;
  const fieldErrors = fieldErrorsOf(error);
  const pending = create.isPending || saveVariant.isPending || update.isPending;

  const scopeChanged =
    article !== null &&
    (splitList(tags).join('|') !== article.tags.join('|') ||
      [...categories].sort().join('|') !== [...article.categories].sort().join('|') ||
      [...marketplaces].sort().join('|') !== [...article.marketplaces].sort().join('|'));
  const textChanged = title !== (variant?.title ?? '') || body !== (variant?.body ?? '');
  const dirty = article === null || scopeChanged || textChanged;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const scope = {
      tags: splitList(tags),
      categories: categories as Category[],
      marketplaces: marketplaces as Marketplace[],
    };
    if (article === null) {
      const created = await create.mutateAsync({ ...scope, default_language: language, variants: [{ language, title, body }] });
      onCreated(created.id);
      return;
    }
    if (textChanged) await saveVariant.mutateAsync({ language, title, body });
    if (scopeChanged) await update.mutateAsync(scope);
    setSaved(true);
  };

  const setStatus = (status: Status) => update.mutate({ status });
  const toggle = (list: string[], value: string) => (list.includes(value) ? list.filter((x) => x !== value) : [...list, value]);
  const languageName = (l: string) => t(`templates.lang.${l}`);
  const cleanPreview = useMemo(() => sanitizeHtml(preview.data?.html ?? ''), [preview.data]);

  const download = async () => {
    if (!article) return;
    const { data } = await api.GET('/v1/knowledge/articles/{article_id}/markdown', {
      params: { path: { article_id: article.id }, query: { language } },
      parseAs: 'text',
    });
    if (typeof data !== 'string') return;
    const url = URL.createObjectURL(new Blob([data], { type: 'text/markdown' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${article.key}.${language}.md`;
    link.click();
    URL.revokeObjectURL(url);
  };

  return (
    <form className="form knowledge-editor" onSubmit={(e) => void submit(e).catch(() => undefined)} data-testid="article-editor">
      {article ? (
        <div className="knowledge-editor__status">
          <span className={`tag ${article.status === 'published' ? 'tag--ok' : 'tag--muted'}`} data-testid="article-status">
            {t(`knowledge.statuses.${article.status}`)}
          </span>
          <span className="muted">{t('knowledge.key', { key: article.key })}</span>
          <span className="row__spacer" />
          {canEdit && article.status !== 'published' ? (
            <button type="button" className="btn btn--primary btn--sm" onClick={() => setStatus('published')} data-testid="publish-article">
              {t('knowledge.publish')}
            </button>
          ) : null}
          {canEdit && article.status === 'published' ? (
            <button type="button" className="btn btn--sm" onClick={() => setStatus('draft')}>
              {t('knowledge.unpublish')}
            </button>
          ) : null}
          {canEdit && article.status !== 'archived' ? (
            <button type="button" className="btn btn--sm" onClick={() => setStatus('archived')} data-testid="archive-article">
              {t('knowledge.archive')}
            </button>
          ) : null}
          <button type="button" className="btn btn--ghost btn--sm" onClick={() => void download()} disabled={!variant}>
            {t('knowledge.download')}
          </button>
        </div>
      ) : null}
      <div className="tabs" role="tablist" aria-label={t('knowledge.language')}>
        {ARTICLE_LANGUAGES.filter((l) => l === language || article?.variants.some((v) => v.language === l)).map((l) => (
          <button key={l} type="button" role="tab" aria-selected={l === language} className={`tab${l === language ? ' is-active' : ''}`} onClick={() => setLanguage(l)}>
            {languageName(l)}
            {article?.default_language === l ? ` · ${t('knowledge.default')}` : ''}
          </button>
        ))}
        {canEdit ? (
          <select
            value=""
            aria-label={t('knowledge.addLanguage')}
            onChange={(e) => e.target.value && setLanguage(e.target.value as Language)}
            data-testid="add-language"
          >
            <option value="">{t('knowledge.addLanguage')}</option>
            {ARTICLE_LANGUAGES.filter((l) => l !== language && !article?.variants.some((v) => v.language === l)).map((l) => (
              <option key={l} value={l}>
                {languageName(l)}
              </option>
            ))}
          </select>
        ) : null}
      </div>
      {article && !variant ? <div className="notice notice--info">{t('knowledge.newVariant', { language: languageName(language) })}</div> : null}
      {article && !variant && canEdit ? (
        // A machine translation of the default language's text, saved as a draft for review.
        <button type="button" className="btn btn--sm" data-testid="article-translate" disabled={translateArticle.isPending} onClick={() => translateArticle.mutate(language)}>
          {translateArticle.isPending ? t('composer.translate.translating') : t('knowledgeTranslate.machineTranslate', { language: languageName(language) })}
        </button>
      ) : null}
      {variant?.draft ? (
        <div className="notice notice--warn" role="status" data-testid="variant-draft">
          {t('knowledgeTranslate.draftNotice')}
          {canEdit ? (
            <button type="button" className="btn btn--primary btn--sm" data-testid="publish-variant" disabled={publishVariant.isPending || textChanged} onClick={() => publishVariant.mutate(language)}>
              {t('knowledgeTranslate.publish')}
            </button>
          ) : null}
        </div>
      ) : null}
      <Field label={t('knowledge.articleTitle')} errors={fieldErrorsOf(error).get('title') ?? []}>
        <input value={title} maxLength={300} required readOnly={!canEdit} onChange={(e) => setTitle(e.target.value)} data-testid="article-title" />
      </Field>
      <div className="knowledge-editor__body">
        <Field label={t('knowledge.body')} hint={t('knowledge.bodyHint')} errors={[...(fieldErrors.get('body') ?? []), ...(fieldErrors.get('variants.0.body') ?? [])]}>
          <textarea value={body} rows={14} maxLength={50_000} required readOnly={!canEdit} onChange={(e) => setBody(e.target.value)} data-testid="article-body" />
        </Field>
        <div className="preview">
          <div className="variables__title">{t('knowledge.preview')}</div>
          {/* Sanitised twice: by the server (nh3, the help page's renderer) and again here (DOMPurify). */}
          <div className="knowledge-preview" data-testid="article-preview" dangerouslySetInnerHTML={{ __html: cleanPreview }} />
        </div>
      </div>
      <Field label={t('knowledge.tags')} hint={t('knowledge.tagsHint')}>
        <input value={tags} readOnly={!canEdit} onChange={(e) => setTags(e.target.value)} data-testid="article-tags" />
      </Field>
      <fieldset className="knowledge-editor__scope">
        <legend>{t('knowledge.categories')}</legend>
        {ARTICLE_CATEGORIES.map((c) => (
          <label key={c} className="chip-check">
            <input type="checkbox" checked={categories.includes(c)} disabled={!canEdit} onChange={() => setCategories(toggle(categories, c))} />
            {t(`category.${c}`)}
          </label>
        ))}
      </fieldset>
      <fieldset className="knowledge-editor__scope">
        <legend>{t('knowledge.marketplaces')}</legend>
        <span className="muted">{t('knowledge.marketplacesHint')}</span>
        {MARKETPLACES.map((m) => (
          <label key={m} className="chip-check">
            <input type="checkbox" checked={marketplaces.includes(m)} disabled={!canEdit} onChange={() => setMarketplaces(toggle(marketplaces, m))} />
            {t(`marketplace.${m}`)}
          </label>
        ))}
      </fieldset>
      <FormProblem error={error} placed={['title', 'body', 'variants.0.body']} />
      {canEdit ? (
        <div className="form__actions">
          {article && variant && article.default_language !== language ? (
            <button type="button" className="btn btn--ghost btn--sm" onClick={() => deleteVariant.mutate(language, { onSuccess: () => setLanguage(article.default_language as Language) })}>
              {t('knowledge.removeVariant')}
            </button>
          ) : null}
          <span className="form__actions-spacer" />
          {saved && !dirty ? (
            <span className="muted" data-testid="article-saved">
              {t('form.saved')}
            </span>
          ) : null}
          <button type="submit" className="btn btn--primary btn--sm" disabled={pending || !dirty || !title.trim() || !body.trim()} data-testid="article-save">
            {article ? t('form.save') : t('form.create')}
          </button>
        </div>
      ) : null}
      {article && (versions.data ?? []).length > 0 ? (
        <details className="knowledge-versions">
          <summary>{t('knowledge.versions', { count: versions.data?.length ?? 0 })}</summary>
          <ol>
            {(versions.data ?? []).map((v) => (
              <li key={`${v.language}:${v.version}`}>
                {t('knowledge.version', { version: v.version, author: v.author_name || t('knowledge.system'), date: formatDateTime(v.created_at, i18n.language) })} — {v.title}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </form>
  );
}
