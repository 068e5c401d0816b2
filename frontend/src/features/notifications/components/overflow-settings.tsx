import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { Field, FormProblem, Toggle } from '@/components/form';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { useOverflowSettings, useSaveOverflowSettings, type OverflowSettings } from '../api/notifications';

const PLACED = ['body.threshold', 'body.cooldown_minutes'];

/** Settings → Overflow alert: when supervisors are told that unassigned work piles up (admins edit). */
export function OverflowSettingsPanel({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const settings = useOverflowSettings();
  const save = useSaveOverflowSettings();
  const [form, setForm] = useState<OverflowSettings>({ enabled: true, threshold: 50, cooldown_minutes: 60 });
  useEffect(() => {
    if (settings.data) setForm(settings.data);
  }, [settings.data]);
  const errors = fieldErrorsOf(save.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(form);
  };
  return (
    <section className="settings-page" data-testid="settings-overflow">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.overflow')}</h2>
          <p className="muted">{t('overflow.intro')}</p>
        </div>
      </header>
      {!settings.data ? (
        settings.error ? (
          <ErrorNotice error={settings.error} />
        ) : (
          <Spinner />
        )
      ) : (
        <form className="card" onSubmit={submit} data-testid="overflow-settings">
          <fieldset disabled={!canEdit}>
            <Toggle checked={form.enabled} onChange={(enabled) => setForm({ ...form, enabled })} label={t('overflow.enable')} testId="overflow-enabled" />
            <Field label={t('overflow.threshold')} hint={t('overflow.thresholdHint')} errors={errorsAt(errors, 'body.threshold')}>
              <input
                type="number"
                min={1}
                max={100000}
                data-testid="overflow-threshold"
                value={form.threshold}
                onChange={(e) => setForm({ ...form, threshold: Number(e.target.value) })}
              />
            </Field>
            <Field label={t('overflow.cooldown')} hint={t('overflow.cooldownHint')} errors={errorsAt(errors, 'body.cooldown_minutes')}>
              <input
                type="number"
                min={1}
                max={10080}
                data-testid="overflow-cooldown"
                value={form.cooldown_minutes}
                onChange={(e) => setForm({ ...form, cooldown_minutes: Number(e.target.value) })}
              />
            </Field>
            <FormProblem error={save.error} placed={PLACED} />
            {canEdit ? (
              <button type="submit" className="btn btn--primary btn--sm" data-testid="overflow-save" disabled={save.isPending}>
                {save.isPending ? t('form.saving') : t('form.save')}
              </button>
            ) : null}
            {save.isSuccess && !save.isPending ? (
              <span className="muted" role="status" data-testid="overflow-saved">
                {' '}
                {t('overflow.saved')}
              </span>
            ) : null}
          </fieldset>
        </form>
      )}
    </section>
  );
}
