import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, LoadFailed, Spinner } from '@/components/feedback';
import { useTemplatePreview, useTemplates, type Template } from '../api/templates';
import { fillTemplate, type TemplateContext } from '@/lib/fill-template';
import { ViolationList } from './violation-list';
import { templateName } from '@/lib/explain-wording';

interface TemplatePickerProps {
  conversationId: string;
  context: TemplateContext;
  onInsert: (text: string, templateId: string) => void;
}

/** Search, pick, see it filled with this conversation's data, insert. A failing template API shows as an error in the popover. */
export function TemplatePicker({ conversationId, context, onInsert }: TemplatePickerProps) {
  const { t } = useTranslation();
  const templates = useTemplates();
  const [open, setOpen] = useState(false);
  return (
    <div className="template-picker">
      <button type="button" className="btn btn--sm" data-testid="template-picker" aria-expanded={open} onClick={() => setOpen((v) => !v)}>
        {t('composer.templates')}
      </button>
      {open && templates.isError ? (
        <div className="popover template-popover" role="dialog" aria-label={t('composer.templates')}>
          <LoadFailed what={t('common.part.templates')} error={templates.error} onRetry={() => void templates.refetch()} testId="templates-failed" />
        </div>
      ) : null}
      {open && templates.isPending ? (
        <div className="popover template-popover" role="dialog" aria-label={t('composer.templates')}>
          <Spinner />
        </div>
      ) : null}
      {open && templates.data ? (
        <TemplatePopover
          templates={templates.data}
          conversationId={conversationId}
          context={context}
          onClose={() => setOpen(false)}
          onInsert={(text, id) => {
            setOpen(false);
            onInsert(text, id);
          }}
        />
      ) : null}
    </div>
  );
}

function TemplatePopover({
  templates,
  conversationId,
  context,
  onClose,
  onInsert,
}: {
  templates: Template[];
  conversationId: string;
  context: TemplateContext;
  onClose: () => void;
  onInsert: (text: string, templateId: string) => void;
}) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  useEffect(() => searchRef.current?.focus(), []);

  // A library has tens of templates, not thousands: filtering in the browser answers every keystroke at once.
  const matches = useMemo(() => {
    const q = search.trim().toLowerCase();
    const active = templates.filter((tpl) => tpl.is_active);
    return q ? active.filter((tpl) => `${tpl.name} ${templateName(t, tpl)} ${tpl.category} ${tpl.body}`.toLowerCase().includes(q)) : active;
  }, [templates, search]);
  const selected = matches.find((tpl) => tpl.id === selectedId) ?? matches[0] ?? null;
  const preview = useTemplatePreview(selected?.id ?? null, conversationId);
  // Local filling shows at once; the server's preview (tracking links, ETAs) replaces it when it arrives.
  const local = selected ? fillTemplate(selected.body, context) : null;
  const shown = preview.data ?? (local ? { body: local.text, missingVariables: local.missing, blocking: false, violations: [] } : null);

  return (
    <div className="popover template-popover" role="dialog" aria-label={t('composer.templates')}>
      <input
        ref={searchRef}
        className="template-popover__search"
        data-testid="template-search"
        placeholder={t('composer.searchTemplates')}
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
          if (e.key === 'Enter' && selected && shown) {
            e.preventDefault();
            onInsert(shown.body, selected.id);
          }
        }}
      />
      <div className="template-popover__body">
        <ul className="template-popover__list" role="listbox">
          {matches.map((tpl) => (
            <li key={tpl.id}>
              <button
                type="button"
                role="option"
                aria-selected={tpl.id === selected?.id}
                className={`template-popover__item${tpl.id === selected?.id ? ' is-active' : ''}`}
                onClick={() => setSelectedId(tpl.id)}
                onDoubleClick={() => shown && onInsert(shown.body, tpl.id)}
              >
                <span>{templateName(t, tpl)}</span>
                <span className="muted">
                  {[tpl.category ? t(`category.${tpl.category}`, { defaultValue: tpl.category }) : null, tpl.language]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              </button>
            </li>
          ))}
          {matches.length === 0 ? <li className="muted">{t('composer.noTemplates')}</li> : null}
        </ul>
        <div className="template-popover__preview" data-testid="template-preview">
          {/* The local fill stays visible, but the server's preview failing (linting included) is said. */}
          {preview.error ? <ErrorNotice error={preview.error} /> : null}
          {shown ? (
            <>
              <pre>{shown.body}</pre>
              <ViolationList violations={shown.violations} text={shown.body} />
              {shown.missingVariables.length > 0 ? (
                <div className="notice notice--warn">{t('composer.missingVariables', { names: shown.missingVariables.join(', ') })}</div>
              ) : null}
              <button type="button" className="btn btn--primary btn--sm" data-testid="template-insert" onClick={() => selected && onInsert(shown.body, selected.id)}>
                {t('composer.insert')}
              </button>
            </>
          ) : null}
        </div>
      </div>
    </div>
  );
}
