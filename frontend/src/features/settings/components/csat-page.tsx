import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { Field, FormProblem, Toggle } from '@/components/form';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { useCsatRules, useCsatSettings, useSaveCsatSettings, type CsatForm, type CsatRule, type CsatSettings } from '../api/csat';

const LANGUAGES = ['en', 'zh', 'es'] as const;

interface FormState {
  enabled: boolean;
  delay: string;
  askAfterComplaint: boolean;
  forms: Record<string, string>;
  questions: Record<string, string>;
}

function formOf(s: CsatSettings): FormState {
  return {
    enabled: s.enabled,
    delay: String(s.delay_minutes),
    askAfterComplaint: s.ask_after_complaint,
    forms: { ...s.forms },
    questions: { ...s.questions },
  };
}

/** The forms a marketplace may be set to: what its rules allow, or off. */
export function formChoices(rule: CsatRule | undefined): CsatForm[] {
  return [...((rule?.forms ?? []) as CsatForm[]), 'off'];
}

/** CSAT: whether and when a rating is asked after resolution, in which form per marketplace (as its rules allow), and the question. */
export function CsatPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const settings = useCsatSettings();
  const rules = useCsatRules();
  const save = useSaveCsatSettings();
  const [form, setForm] = useState<FormState | null>(null);
  useEffect(() => {
    if (settings.data) setForm(formOf(settings.data));
  }, [settings.data]);
  if (!settings.data || !form || !rules.data) {
    const error = settings.error ?? rules.error;
    return error ? <ErrorNotice error={error} /> : <Spinner />;
  }
  const ruleOf = new Map(rules.data.map((r) => [r.marketplace, r]));
  const errors = fieldErrorsOf(save.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Marketplaces that allow no survey show "none" and are never sent.
    const forms = Object.fromEntries(
      Object.entries(form.forms).filter(([m, f]) => f !== 'none' && formChoices(ruleOf.get(m)).includes(f as CsatForm)),
    ) as Record<string, CsatForm>;
    const delay = Number.parseInt(form.delay, 10);
    save.mutate({
      enabled: form.enabled,
      delay_minutes: Number.isNaN(delay) ? -1 : delay,
      ask_after_complaint: form.askAfterComplaint,
      forms,
      questions: form.questions,
    });
  };
  return (
    <section className="settings-page" data-testid="settings-csat">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.csat')}</h2>
          <p className="muted">{t('csatSettings.intro')}</p>
        </div>
      </header>
      <form className="card" onSubmit={submit}>
        <fieldset disabled={!canEdit}>
          <Toggle checked={form.enabled} onChange={(on) => setForm({ ...form, enabled: on })} label={t('csatSettings.enabled')} testId="csat-enabled" disabled={!canEdit} />
          <Field label={t('csatSettings.delay')} errors={errorsAt(errors, 'delay_minutes')} hint={t('csatSettings.delayHint')}>
            <input
              type="number"
              className="input--narrow"
              min={0}
              value={form.delay}
              onChange={(e) => setForm({ ...form, delay: e.target.value })}
              data-testid="csat-delay"
            />
          </Field>
          <Toggle
            checked={form.askAfterComplaint}
            onChange={(on) => setForm({ ...form, askAfterComplaint: on })}
            label={t('csatSettings.askAfterComplaint')}
            testId="csat-after-complaint"
            disabled={!canEdit}
          />
          <h3>{t('csatSettings.forms')}</h3>
          <table className="table table--compact" data-testid="csat-forms">
            <thead>
              <tr>
                <th scope="col">{t('csatSettings.marketplace')}</th>
                <th scope="col">{t('csatSettings.form')}</th>
                <th scope="col">{t('csatSettings.rule')}</th>
              </tr>
            </thead>
            <tbody>
              {Object.keys(form.forms).map((marketplace) => {
                const rule = ruleOf.get(marketplace);
                const value = form.forms[marketplace] ?? 'off';
                const fieldErrors = errorsAt(errors, `forms.${marketplace}`);
                return (
                  <tr key={marketplace} data-testid={`csat-form-${marketplace}`}>
                    <td>{t(`marketplace.${marketplace}`, { defaultValue: marketplace })}</td>
                    <td>
                      {value === 'none' ? (
                        <span className="muted">{t('csatSettings.formName.none')}</span>
                      ) : (
                        <select
                          aria-label={t('csatSettings.formFor', { marketplace: t(`marketplace.${marketplace}`, { defaultValue: marketplace }) })}
                          value={value}
                          onChange={(e) => setForm({ ...form, forms: { ...form.forms, [marketplace]: e.target.value } })}
                        >
                          {formChoices(rule).map((f) => (
                            <option key={f} value={f}>
                              {t(`csatSettings.formName.${f}`)}
                            </option>
                          ))}
                        </select>
                      )}
                      {fieldErrors.map((reason) => (
                        <span key={reason} className="ffield__error" role="alert">
                          {reason}
                        </span>
                      ))}
                    </td>
                    <td className="muted" title={rule?.reason}>{rule ? t(`csatSettings.ruleText.${marketplace}`, { defaultValue: rule.reason }) : ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <h3>{t('csatSettings.questions')}</h3>
          <p className="muted">{t('csatSettings.questionsHint')}</p>
          {LANGUAGES.map((lang) => (
            <Field key={lang} label={t(`languages.${lang}`)} errors={errorsAt(errors, `questions.${lang}`)}>
              <textarea
                rows={2}
                value={form.questions[lang] ?? ''}
                onChange={(e) => setForm({ ...form, questions: { ...form.questions, [lang]: e.target.value } })}
                data-testid={`csat-question-${lang}`}
              />
            </Field>
          ))}
          <FormProblem error={save.error} placed={['delay_minutes', 'forms', 'questions']} />
          {save.isSuccess ? (
            <p className="muted" role="status" data-testid="csat-saved">
              {t('csatSettings.saved')}
            </p>
          ) : null}
          {canEdit ? (
            <button type="submit" className="btn btn--primary btn--sm" disabled={save.isPending} data-testid="csat-save">
              {save.isPending ? t('form.saving') : t('form.save')}
            </button>
          ) : null}
        </fieldset>
      </form>
    </section>
  );
}
