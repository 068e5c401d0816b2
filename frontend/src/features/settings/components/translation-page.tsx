import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { Field, FormProblem, Toggle } from '@/components/form';
import { useSetTranslationPreference, useTranslationPreference } from '@/hooks/use-translation-preference';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import {
  useAddGlossaryTerm,
  useGlossary,
  useRemoveGlossaryTerm,
  useSaveTranslationSettings,
  useTranslationSettings,
  type TranslationSettingsUpdate,
} from '../api/translation';

const PROVIDERS = ['deepl', 'google', 'libretranslate', 'openai'] as const;
const READING = ['zh-CN', 'en', 'es'] as const;

/** Translation: every agent's reading language; for admins the provider, its key and budget, and the glossary. */
export function TranslationPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  return (
    <section className="settings-page" data-testid="settings-translation">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.translation')}</h2>
          <p className="muted">{t('translationSettings.intro')}</p>
        </div>
      </header>
      <PreferenceForm />
      <ProviderForm canEdit={canEdit} />
      <GlossaryEditor canEdit={canEdit} />
    </section>
  );
}

function PreferenceForm() {
  const { t } = useTranslation();
  const preference = useTranslationPreference();
  const save = useSetTranslationPreference();
  if (!preference.data) return preference.error ? <ErrorNotice error={preference.error} /> : <Spinner />;
  const current = preference.data;
  return (
    <div className="card" data-testid="translation-preference">
      <h3>{t('translationSettings.myPreference')}</h3>
      <Field label={t('translationSettings.readIn')}>
        <select
          data-testid="reading-language"
          value={current.language}
          onChange={(e) => save.mutate({ ...current, language: e.target.value })}
        >
          {READING.map((code) => (
            <option key={code} value={code}>
              {t(`languages.${code}`)}
            </option>
          ))}
        </select>
      </Field>
      <Toggle
        checked={current.auto_translate}
        onChange={(auto) => save.mutate({ ...current, auto_translate: auto })}
        label={t('translationSettings.auto')}
        testId="auto-translate"
      />
      {save.error ? <ErrorNotice error={save.error} /> : null}
    </div>
  );
}

function ProviderForm({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const settings = useTranslationSettings();
  const save = useSaveTranslationSettings();
  const [form, setForm] = useState<TranslationSettingsUpdate>({ provider: 'deepl', base_url: '', model: null, key: null, monthly_character_budget: 500000 });
  useEffect(() => {
    const s = settings.data;
    if (s?.configured && s.provider && s.base_url) {
      setForm({ provider: s.provider, base_url: s.base_url, model: s.model, key: null, monthly_character_budget: s.monthly_character_budget });
    }
  }, [settings.data]);
  if (!settings.data) return settings.error ? <ErrorNotice error={settings.error} /> : <Spinner />;
  const s = settings.data;
  const errors = fieldErrorsOf(save.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ ...form, key: form.key || null, model: form.model || null });
  };
  return (
    <form className="card" onSubmit={submit} data-testid="translation-provider">
      <h3>{t('translationSettings.provider')}</h3>
      {s.configured ? (
        <p className="muted" data-testid="translation-usage">
          {t('translationSettings.usage', { used: s.characters_used, budget: s.monthly_character_budget, hits: s.cache_hits })}
        </p>
      ) : (
        <p className="muted">{t('translationSettings.notConfigured')}</p>
      )}
      {s.budget_exhausted ? <div className="notice notice--warn">{t('translationSettings.exhausted')}</div> : null}
      <fieldset disabled={!canEdit}>
        <Field label={t('translationSettings.provider')} errors={errorsAt(errors, 'body.provider')}>
          <select value={form.provider} onChange={(e) => setForm({ ...form, provider: e.target.value as TranslationSettingsUpdate['provider'] })}>
            {PROVIDERS.map((p) => (
              <option key={p} value={p}>
                {t(`translationSettings.providers.${p}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('translationSettings.baseUrl')} errors={errorsAt(errors, 'body.base_url')}>
          <input value={form.base_url} onChange={(e) => setForm({ ...form, base_url: e.target.value })} />
        </Field>
        <Field label={t('translationSettings.model')} errors={errorsAt(errors, 'body.model')}>
          <input value={form.model ?? ''} onChange={(e) => setForm({ ...form, model: e.target.value })} />
        </Field>
        <Field label={t('translationSettings.key')} errors={errorsAt(errors, 'body.key')} hint={s.has_key ? t('translationSettings.keyKept') : undefined}>
          <input type="password" autoComplete="off" value={form.key ?? ''} onChange={(e) => setForm({ ...form, key: e.target.value })} />
        </Field>
        <Field label={t('translationSettings.budget')} errors={errorsAt(errors, 'body.monthly_character_budget')}>
          <input
            type="number"
            min={0}
            value={form.monthly_character_budget ?? 0}
            onChange={(e) => setForm({ ...form, monthly_character_budget: Number(e.target.value) })}
          />
        </Field>
        <FormProblem error={save.error} placed={['body.provider', 'body.base_url', 'body.model', 'body.key', 'body.monthly_character_budget']} />
        {canEdit ? (
          <button type="submit" className="btn btn--primary btn--sm" disabled={save.isPending}>
            {save.isPending ? t('form.saving') : t('form.save')}
          </button>
        ) : null}
      </fieldset>
    </form>
  );
}

function GlossaryEditor({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const glossary = useGlossary();
  const add = useAddGlossaryTerm();
  const remove = useRemoveGlossaryTerm();
  const [term, setTerm] = useState('');
  const [fixed, setFixed] = useState('');
  const errors = fieldErrorsOf(add.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!term.trim()) return;
    add.mutate(
      { term: term.trim(), translation: fixed.trim() || null },
      {
        onSuccess: () => {
          setTerm('');
          setFixed('');
        },
      },
    );
  };
  return (
    <div className="card" data-testid="translation-glossary">
      <h3>{t('translationSettings.glossary')}</h3>
      <p className="muted">{t('translationSettings.glossaryIntro')}</p>
      {glossary.error ? <ErrorNotice error={glossary.error} /> : null}
      {remove.error ? <ErrorNotice error={remove.error} /> : null}
      <ul className="glossary-list">
        {(glossary.data ?? []).map((g) => (
          <li key={g.id} data-testid="glossary-term">
            <strong>{g.term}</strong> → {g.translation ?? t('translationSettings.keep')}
            {canEdit ? (
              <button type="button" className="btn btn--link btn--sm" onClick={() => remove.mutate(g.id)}>
                {t('translationSettings.remove')}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {canEdit ? (
        <form className="glossary-form" onSubmit={submit}>
          <Field label={t('translationSettings.term')} errors={errorsAt(errors, 'body.term')}>
            <input data-testid="glossary-new-term" value={term} onChange={(e) => setTerm(e.target.value)} />
          </Field>
          <Field label={t('translationSettings.fixed')} errors={errorsAt(errors, 'body.translation')}>
            <input value={fixed} onChange={(e) => setFixed(e.target.value)} />
          </Field>
          <button type="submit" className="btn btn--sm" data-testid="glossary-add" disabled={add.isPending || !term.trim()}>
            {t('translationSettings.add')}
          </button>
          <FormProblem error={add.error} placed={['body.term', 'body.translation']} />
        </form>
      ) : null}
    </div>
  );
}
