import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState, ErrorNotice, Spinner } from '@/components/feedback';
import { ConfirmDelete } from '@/components/confirm-delete';
import { OrderedRulesTable } from '@/components/ordered-rules-table';
import { Toggle } from '@/components/form';
import { queryKeys } from '@/lib/query-keys';
import { useTemplateLibrary, useToggleTemplate, type Template } from '../api/templates';
import { TEMPLATE_LANGUAGES } from '../lib/languages';
import { TemplateEditor } from './template-editor';
import { templateName } from '@/lib/explain-wording';

/** The template library: by category and language, usage counts, an editor with a live preview. */
export function TemplatesPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const library = useTemplateLibrary();
  const toggle = useToggleTemplate();
  const [q, setQ] = useState('');
  const [language, setLanguage] = useState('');
  const [showInactive, setShowInactive] = useState(false);
  const [selected, setSelected] = useState<string | 'new' | null>(null);
  // The editor keeps its state (and its "Saved" note) when a new template gets its id.
  const [editorKey, setEditorKey] = useState(0);
  const [deleting, setDeleting] = useState<string | null>(null);
  const pick = (id: string | 'new') => {
    setSelected(id);
    setEditorKey((k) => k + 1);
  };

  const templates = library.data ?? [];
  const groups = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const shown = templates.filter(
      (x) =>
        (showInactive || x.is_active) &&
        (!language || x.language === language) &&
        (!needle || `${x.name} ${templateName(t, x)} ${x.category} ${x.body}`.toLowerCase().includes(needle)),
    );
    const byCategory = new Map<string, Template[]>();
    for (const x of shown) byCategory.set(x.category, [...(byCategory.get(x.category) ?? []), x]);
    return [...byCategory.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [templates, q, language, showInactive]);
  // The most used first, as the library comes from the server; then by the name shown.
  const byUse = (a: Template, b: Template) => b.usage_count - a.usage_count || templateName(t, a).localeCompare(templateName(t, b));
  const current = selected === 'new' ? null : (templates.find((x) => x.id === selected) ?? null);
  const categories = [...new Set(templates.map((x) => x.category))].sort();

  return (
    <section className="settings-page" data-testid="settings-templates">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.templates')}</h2>
          <p className="muted">{t('templates.intro')}</p>
        </div>
        {canEdit ? (
          <button type="button" className="btn btn--primary btn--sm" onClick={() => pick('new')} data-testid="new-template">
            {t('templates.new')}
          </button>
        ) : null}
      </header>
      {library.error ? <ErrorNotice error={library.error} /> : null}
      {toggle.error ? <ErrorNotice error={toggle.error} /> : null}
      <div className="split">
        <aside className="split__list">
          <div className="split__filters">
            <input type="search" value={q} placeholder={t('templates.search')} aria-label={t('templates.search')} onChange={(e) => setQ(e.target.value)} />
            <div className="split__filter-row">
              <select value={language} aria-label={t('templates.language')} onChange={(e) => setLanguage(e.target.value)}>
                <option value="">{t('templates.allLanguages')}</option>
                {TEMPLATE_LANGUAGES.map((l) => (
                  <option key={l} value={l}>
                    {t(`templates.lang.${l}`)}
                  </option>
                ))}
              </select>
              <Toggle checked={showInactive} onChange={setShowInactive} label={t('templates.showInactive')} />
            </div>
          </div>
          {library.isLoading ? (
            <Spinner />
          ) : (
            <div className="split__items" data-testid="template-list">
              {groups.length === 0 ? <p className="muted split__empty">{t('composer.noTemplates')}</p> : null}
              {groups.map(([category, items]) => (
                <div key={category} className="split__group">
                  <div className="split__group-title">{t(`category.${category}`, { defaultValue: category })}</div>
                  <OrderedRulesTable
                    rows={items}
                    canEdit={canEdit}
                    rowTestId="template-row"
                    rowAttributes={(x) => ({ 'data-template-id': x.id })}
                    compare={byUse}
                    onToggle={(x, v) => toggle.mutate({ id: x.id, isActive: v })}
                    // The open template's Active box is the editor's: two of them would overwrite each other.
                    toggleLocked={(x) => x.id === selected}
                    columns={[
                      {
                        header: t('settings.name'),
                        cell: (x) => (
                          <button
                            type="button"
                            className={`split__item${x.id === selected ? ' is-active' : ''}${x.is_active ? '' : ' is-inactive'}`}
                            onClick={() => pick(x.id)}
                            data-testid="template-item"
                          >
                            <span className="split__item-name">{templateName(t, x)}</span>
                            <span className="split__item-meta">
                              <span className="tag tag--muted">{x.language}</span>
                              <span title={t('templates.usage')}>{t('templates.uses', { count: x.usage_count })}</span>
                            </span>
                          </button>
                        ),
                      },
                    ]}
                  />
                </div>
              ))}
            </div>
          )}
        </aside>
        <div className="split__detail">
          {selected === null ? (
            <EmptyState title={t('templates.pick')} hint={canEdit ? t('templates.pickHint') : undefined} />
          ) : (
            <>
              {current && canEdit ? (
                <div className="form__actions">
                  <button type="button" className="btn btn--sm btn--ghost" onClick={() => setDeleting(current.id)} data-testid="delete-template">
                    {t('deletion.deleteTemplate')}
                  </button>
                </div>
              ) : null}
              <TemplateEditor key={editorKey} template={current} categories={categories} canEdit={canEdit} onSaved={(x) => setSelected(x.id)} />
            </>
          )}
          {deleting && current && deleting === current.id ? (
            <ConfirmDelete
              kind="template"
              id={current.id}
              name={templateName(t, current)}
              invalidate={queryKeys.templates.all}
              onClose={() => setDeleting(null)}
              onDeleted={() => {
                setDeleting(null);
                setSelected(null);
              }}
            />
          ) : null}
        </div>
      </div>
    </section>
  );
}
