import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { Field, FormProblem } from '@/components/form';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { MASKABLE_ROLES, usePrivacySettings, useSavePrivacySettings, type MaskableRole, type PrivacySettings } from '../api/privacy';

interface FormState {
  keepEverything: boolean;
  days: string;
  masked: MaskableRole[];
}

function formOf(s: PrivacySettings): FormState {
  return {
    keepEverything: s.retention_days === null,
    days: String(s.retention_days ?? s.minimum_retention_days),
    masked: [...s.masked_roles],
  };
}

/** Privacy: how long conversations are kept, and which roles see buyer contact data masked (admins change them). */
export function PrivacyPage({ canEdit }: { canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const settings = usePrivacySettings();
  const save = useSavePrivacySettings();
  const [form, setForm] = useState<FormState | null>(null);
  useEffect(() => {
    if (settings.data) setForm(formOf(settings.data));
  }, [settings.data]);
  if (!settings.data || !form) return settings.error ? <ErrorNotice error={settings.error} /> : <Spinner />;
  const s = settings.data;
  const errors = fieldErrorsOf(save.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // The server names the minimum when a shorter period is sent; the input's `min` only hints at it.
    const days = Number.parseInt(form.days, 10);
    save.mutate({ retention_days: form.keepEverything ? null : Number.isNaN(days) ? 0 : days, masked_roles: form.masked });
  };
  const toggleRole = (role: MaskableRole, on: boolean) =>
    setForm({ ...form, masked: on ? [...new Set([...form.masked, role])] : form.masked.filter((r) => r !== role) });
  return (
    <section className="settings-page" data-testid="settings-privacy">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.privacy')}</h2>
          <p className="muted">{t('privacy.intro')}</p>
        </div>
      </header>
      {/* noValidate: the server's reason (naming the minimum) shows under the field, in place of the browser's bubble. */}
      <form onSubmit={submit} noValidate>
        <fieldset className="card" disabled={!canEdit} data-testid="privacy-retention">
          <legend>
            <h3>{t('privacy.retention')}</h3>
          </legend>
          <label className="checkbox">
            <input
              type="radio"
              name="retention"
              checked={form.keepEverything}
              onChange={() => setForm({ ...form, keepEverything: true })}
              data-testid="retention-keep"
            />
            {t('privacy.keepEverything')}
          </label>
          <label className="checkbox">
            <input
              type="radio"
              name="retention"
              checked={!form.keepEverything}
              onChange={() => setForm({ ...form, keepEverything: false })}
              data-testid="retention-limit"
            />
            {t('privacy.deleteAfter')}
          </label>
          {!form.keepEverything ? (
            <Field
              label={t('privacy.days')}
              errors={errorsAt(errors, 'retention_days')}
              hint={t('privacy.minimum', { days: s.minimum_retention_days })}
            >
              <input
                type="number"
                className="input--narrow"
                min={s.minimum_retention_days}
                value={form.days}
                onChange={(e) => setForm({ ...form, days: e.target.value })}
                data-testid="retention-days"
              />
            </Field>
          ) : null}
          <p className="muted">{t('privacy.retentionHow')}</p>
          {s.rollups_frozen_before ? (
            <p className="muted" data-testid="rollups-frozen">
              {t('privacy.frozen', { date: new Date(s.rollups_frozen_before).toLocaleDateString(i18n.language) })}
            </p>
          ) : null}
        </fieldset>
        <fieldset className="card" disabled={!canEdit} data-testid="privacy-masking">
          <legend>
            <h3>{t('privacy.masking')}</h3>
          </legend>
          <p className="muted">{t('privacy.maskingIntro')}</p>
          {MASKABLE_ROLES.map((role) => (
            <label key={role} className="checkbox">
              <input
                type="checkbox"
                checked={form.masked.includes(role)}
                onChange={(e) => toggleRole(role, e.target.checked)}
                data-testid={`mask-${role}`}
              />
              {t('privacy.maskRole', { role: t(`role.${role}`) })}
            </label>
          ))}
          {errorsAt(errors, 'masked_roles', true).map((reason) => (
            <p key={reason} className="ffield__error" role="alert">
              {reason}
            </p>
          ))}
          <div className="privacy-help" data-testid="masking-help">
            <h4>{t('privacy.maskedTitle')}</h4>
            <ul>
              <li>{t('privacy.maskedEmail')}</li>
              <li>{t('privacy.maskedPhone')}</li>
              <li>{t('privacy.maskedAddress')}</li>
              <li>{t('privacy.maskedIds')}</li>
            </ul>
            <h4>{t('privacy.notMaskedTitle')}</h4>
            <ul>
              <li>{t('privacy.notMaskedBodies')}</li>
              <li>{t('privacy.notMaskedOrders')}</li>
              <li>{t('privacy.notMaskedAdmins')}</li>
            </ul>
          </div>
        </fieldset>
        <div className="card">
          <h3>{t('privacy.erasure')}</h3>
          <p className="muted">{t('privacy.erasureHow')}</p>
        </div>
        <FormProblem error={save.error} placed={['retention_days', 'masked_roles']} />
        {save.isSuccess ? (
          <p className="muted" role="status" data-testid="privacy-saved">
            {t('privacy.saved')}
          </p>
        ) : null}
        {canEdit ? (
          <button type="submit" className="btn btn--primary btn--sm" disabled={save.isPending} data-testid="privacy-save">
            {save.isPending ? t('form.saving') : t('form.save')}
          </button>
        ) : (
          <p className="muted">{t('privacy.adminsOnly')}</p>
        )}
      </form>
    </section>
  );
}
