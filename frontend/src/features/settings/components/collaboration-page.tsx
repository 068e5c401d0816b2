import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { Field, FormProblem, Toggle } from '@/components/form';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { useDraftLockSettings, useSaveDraftLockSettings, type DraftLockSettings } from '../api/collaboration';

/** Collaboration: typing indicators and the collision prompt are always on; draft locks are a choice. */
export function CollaborationPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const settings = useDraftLockSettings();
  const save = useSaveDraftLockSettings();
  const [form, setForm] = useState<DraftLockSettings>({ enabled: false, ttl_seconds: 120 });
  useEffect(() => {
    if (settings.data) setForm(settings.data);
  }, [settings.data]);
  const errors = fieldErrorsOf(save.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(form);
  };
  return (
    <section className="settings-page" data-testid="settings-collaboration">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.collaboration')}</h2>
          <p className="muted">{t('collaboration.intro')}</p>
        </div>
      </header>
      {!settings.data ? (
        settings.error ? (
          <ErrorNotice error={settings.error} />
        ) : (
          <Spinner />
        )
      ) : (
        <form className="card" onSubmit={submit} data-testid="draft-lock-settings">
          <h3>{t('collaboration.lockTitle')}</h3>
          <p className="muted">{t('collaboration.lockIntro')}</p>
          <fieldset disabled={!canEdit}>
            <Toggle checked={form.enabled} onChange={(enabled) => setForm({ ...form, enabled })} label={t('collaboration.enable')} testId="draft-lock-enabled" />
            <Field label={t('collaboration.ttl')} hint={t('collaboration.ttlHint')} errors={errorsAt(errors, 'body.ttl_seconds')}>
              <input
                type="number"
                min={30}
                max={900}
                data-testid="draft-lock-ttl"
                value={form.ttl_seconds}
                onChange={(e) => setForm({ ...form, ttl_seconds: Number(e.target.value) })}
              />
            </Field>
            <FormProblem error={save.error} placed={['body.ttl_seconds']} />
            {canEdit ? (
              <button type="submit" className="btn btn--primary btn--sm" data-testid="draft-lock-save" disabled={save.isPending}>
                {save.isPending ? t('form.saving') : t('form.save')}
              </button>
            ) : null}
            {save.isSuccess && !save.isPending ? (
              <span className="muted" role="status" data-testid="draft-lock-saved">
                {' '}
                {t('collaboration.saved')}
              </span>
            ) : null}
          </fieldset>
        </form>
      )}
    </section>
  );
}
