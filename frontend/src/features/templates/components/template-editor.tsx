import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Field, FormProblem, Segmented, Toggle } from '@/components/form';
import { useChannels, useMe } from '@/hooks/use-directory';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { fillTemplate } from '@/lib/fill-template';
import { templateName } from '@/lib/explain-wording';
import { formatDateTime } from '@/lib/format';
import {
  useRecentConversations,
  useSaveTemplate,
  useServerPreview,
  useTemplateVariables,
  useTranslateTemplate,
  type Template,
  type TemplateCreate,
} from '../api/templates';
import { insertVariable, unknownVariables } from '../lib/variables';
import { TEMPLATE_LANGUAGES } from '../lib/languages';

type Language = NonNullable<TemplateCreate['language']>;

/** Edit a template with its variables at hand and a preview that follows every keystroke. */
export function TemplateEditor({
  template,
  categories,
  canEdit,
  onSaved,
}: {
  template: Template | null;
  categories: string[];
  canEdit: boolean;
  onSaved: (t: Template) => void;
}) {
  const { t, i18n } = useTranslation();
  const save = useSaveTemplate();
  const variables = useTemplateVariables();
  const errors = fieldErrorsOf(save.error);
  // A starter template's name shows in the reader's language; saved unchanged, it keeps its own name.
  const shownName = template ? templateName(t, template) : '';
  const [name, setName] = useState(shownName);
  const [category, setCategory] = useState(template?.category ?? '');
  const [language, setLanguage] = useState<Language>((TEMPLATE_LANGUAGES as readonly string[]).includes(template?.language ?? '') ? (template?.language as Language) : 'en');
  const [active, setActive] = useState(template?.is_active ?? true);
  const [body, setBody] = useState(template?.body ?? '');
  const [saved, setSaved] = useState(false);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const known = (variables.data ?? []).map((v) => v.name);
  const unknown = variables.data ? unknownVariables(body, known) : [];
  const dirty = !template || body !== template.body || name !== shownName || category !== template.category || language !== template.language || active !== template.is_active;

  const insert = (variable: string) => {
    const el = bodyRef.current;
    const start = el?.selectionStart ?? body.length;
    const end = el?.selectionEnd ?? body.length;
    const next = insertVariable(body, start, end, variable);
    setBody(next.body);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(next.cursor, next.cursor);
    });
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    save.mutate(
      { id: template?.id ?? null, body: { name: template && name.trim() === shownName ? template.name : name.trim(), category: category.trim(), language, body, is_active: active } },
      {
        onSuccess: (x) => {
          setSaved(true);
          onSaved(x);
        },
      },
    );
  };

  return (
    <form className="form template-editor" onSubmit={submit} data-testid="template-editor">
      <div className="form__grid form__grid--4">
        <Field label={t('settings.name')} errors={errorsAt(errors, 'name')} className="span-2">
          <input value={name} required disabled={!canEdit} onChange={(e) => setName(e.target.value)} data-testid="template-name" />
        </Field>
        <Field label={t('templates.category')} errors={errorsAt(errors, 'category')}>
          <input list="hg-template-categories" value={category} required disabled={!canEdit} onChange={(e) => setCategory(e.target.value)} data-testid="template-category" />
          <datalist id="hg-template-categories">
            {categories.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </Field>
        <Field label={t('templates.language')} errors={errorsAt(errors, 'language')}>
          <select value={language} disabled={!canEdit} onChange={(e) => setLanguage(e.target.value as Language)} data-testid="template-language">
            {TEMPLATE_LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {t(`templates.lang.${l}`)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div className="template-editor__main">
        <div className="template-editor__body">
          <Field label={t('templates.body')} errors={errorsAt(errors, 'body')} hint={t('templates.bodyHint')}>
            <textarea ref={bodyRef} rows={12} value={body} required disabled={!canEdit} onChange={(e) => setBody(e.target.value)} data-testid="template-body" spellCheck />
          </Field>
          {unknown.length ? (
            <div className="notice notice--warn" data-testid="unknown-variables">
              {t('templates.unknown', { names: unknown.map((n) => `{{ ${n} }}`).join(', ') })}
            </div>
          ) : null}
          <div className="variables" data-testid="template-variables">
            <div className="variables__title">{t('templates.variables')}</div>
            <div className="variables__list">
              {(variables.data ?? []).map((v) => (
                <button key={v.name} type="button" className="variable" disabled={!canEdit} title={t(`templates.var.${v.name}`, { defaultValue: v.description })} onClick={() => insert(v.name)}>
                  <code>{`{{ ${v.name} }}`}</code>
                  <span className="muted">{t(`templates.var.${v.name}`, { defaultValue: v.description })}</span>
                </button>
              ))}
            </div>
          </div>
        </div>
        <PreviewPane body={body} template={template} dirty={dirty} />
      </div>
      {template ? (
        <p className="muted template-editor__stats">
          {t('templates.stats', { count: template.usage_count })}
          {template.last_used_at ? ` · ${t('templates.lastUsed', { when: formatDateTime(template.last_used_at, i18n.language) })}` : ''}
          {template.starter_key ? ` · ${t('templates.starter')}` : ''}
        </p>
      ) : null}
      <FormProblem error={save.error} placed={['name', 'category', 'language', 'body']} />
      {canEdit && template ? <TranslateDraft template={template} onCreated={onSaved} /> : null}
      {canEdit ? (
        <div className="form__actions">
          <Toggle checked={active} onChange={setActive} label={t('form.active')} />
          <span className="form__actions-spacer" />
          {saved && !dirty ? (
            <span className="muted" data-testid="template-saved">
              {t('form.saved')}
            </span>
          ) : null}
          <button type="submit" className="btn btn--primary btn--sm" disabled={save.isPending || !dirty || !name.trim() || !category.trim() || !body.trim()} data-testid="template-save">
            {template ? t('form.save') : t('form.create')}
          </button>
        </div>
      ) : null}
    </form>
  );
}

/** Machine-translate the saved template into another language: a new, inactive template to review. */
function TranslateDraft({ template, onCreated }: { template: Template; onCreated: (t: Template) => void }) {
  const { t } = useTranslation();
  const translate = useTranslateTemplate();
  const others = TEMPLATE_LANGUAGES.filter((l) => l !== template.language);
  const [target, setTarget] = useState<Language>(others[0] ?? 'en');
  return (
    <div className="template-translate" data-testid="template-translate">
      <select value={target} onChange={(e) => setTarget(e.target.value as Language)} aria-label={t('templates.translateTo')} data-testid="template-translate-target">
        {others.map((l) => (
          <option key={l} value={l}>
            {t(`templates.lang.${l}`)}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="btn btn--sm"
        disabled={translate.isPending}
        data-testid="template-translate-button"
        onClick={() => translate.mutate({ id: template.id, target }, { onSuccess: onCreated })}
      >
        {translate.isPending ? t('composer.translate.translating') : t('templates.translateDraft')}
      </button>
      <span className="muted">{t('templates.translateHint')}</span>
      {translate.error ? <FormProblem error={translate.error} /> : null}
    </div>
  );
}

/** Sample values (instant, local) or a real conversation (the server renders and lints it). */
function PreviewPane({ body, template, dirty }: { body: string; template: Template | null; dirty: boolean }) {
  const { t } = useTranslation();
  const me = useMe();
  const channels = useChannels();
  const [mode, setMode] = useState<'sample' | 'conversation'>('sample');
  const sample = useMemo(
    () => ({
      customer_name: 'Alex Chen',
      order_id: '111-2223334-5556667',
      order_status: 'shipped',
      item_title: 'Silicone phone case',
      tracking_number: '1Z999AA10123456784',
      tracking_url: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
      carrier: 'UPS',
      ship_eta: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10),
      store_name: channels.data?.find((c) => c.marketplace !== 'api')?.name ?? 'BrightNest',
      marketplace: 'Amazon',
      agent_name: me.data?.user?.name ?? 'Agent',
    }),
    [channels.data, me.data],
  );
  const local = fillTemplate(body, sample);
  return (
    <div className="preview" data-testid="template-preview">
      <div className="preview__head">
        <span className="variables__title">{t('templates.preview')}</span>
        <Segmented
          ariaLabel={t('templates.preview')}
          options={[
            { value: 'sample', label: t('templates.sampleData') },
            { value: 'conversation', label: t('templates.realConversation') },
          ]}
          value={mode}
          onChange={setMode}
        />
      </div>
      {mode === 'sample' ? (
        <>
          <pre className="preview__text" data-testid="preview-text">
            {local.text || <span className="muted">{t('templates.previewEmpty')}</span>}
          </pre>
          {local.missing.length ? <div className="muted">{t('composer.missingVariables', { names: local.missing.join(', ') })}</div> : null}
          <p className="muted preview__note">{t('templates.sampleNote')}</p>
        </>
      ) : (
        <ConversationPreview template={template} dirty={dirty} />
      )}
    </div>
  );
}

function ConversationPreview({ template, dirty }: { template: Template | null; dirty: boolean }) {
  const { t } = useTranslation();
  const conversations = useRecentConversations();
  const [conversationId, setConversationId] = useState<string | null>(null);
  const chosen = conversationId ?? conversations.data?.items[0]?.id ?? null;
  const preview = useServerPreview(template?.id ?? null, chosen, template?.updated_at ?? '');
  if (!template) return <p className="muted">{t('templates.saveFirst')}</p>;
  return (
    <>
      <select value={chosen ?? ''} aria-label={t('templates.conversation')} onChange={(e) => setConversationId(e.target.value || null)}>
        {(conversations.data?.items ?? []).map((c) => (
          <option key={c.id} value={c.id}>
            {(c.customer?.display_name ?? t('inbox.unknownBuyer')) + ' — ' + (c.subject || c.last_message_preview).slice(0, 60)}
          </option>
        ))}
      </select>
      {dirty ? <div className="notice notice--info">{t('templates.previewSaved')}</div> : null}
      {preview.isLoading ? <p className="muted">{t('common.loading')}</p> : null}
      {preview.error ? <FormProblem error={preview.error} /> : null}
      {preview.data ? (
        <>
          <pre className="preview__text">{preview.data.text}</pre>
          {preview.data.warnings.length ? <div className="muted">{preview.data.warnings.join(' ')}</div> : null}
          {preview.data.violations.length ? (
            <ul className="violations">
              {preview.data.violations.map((v) => (
                <li key={`${v.code}:${v.start}`} className={`violation violation--${v.severity}`}>
                  <span className="violation__badge">{t(`compliance.severity.${v.severity}`)}</span>
                  {v.message}
                </li>
              ))}
            </ul>
          ) : (
            <div className="tag tag--ok">{t('composer.lintClean')}</div>
          )}
        </>
      ) : null}
    </>
  );
}
