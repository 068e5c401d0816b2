import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { FormProblem, Toggle } from '@/components/form';
import { useCaseSettings, useTemplateChoices, useUpdateCaseSettings, type CaseKind } from '../api/cases';
import { templateName } from '@/lib/explain-wording';

const KINDS: readonly CaseKind[] = ['return', 'refund', 'replacement', 'reship', 'cancellation', 'claim'];

/** Handling targets per kind (by default returns 6 h, complaints at once) and the follow-up contact (回访). */
export function CaseSettingsPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const settings = useCaseSettings();
  const templates = useTemplateChoices();
  const update = useUpdateCaseSettings();
  const [hours, setHours] = useState<Record<string, string>>({});
  const [enabled, setEnabled] = useState(false);
  const [days, setDays] = useState('3');
  const [templateId, setTemplateId] = useState('');

  useEffect(() => {
    if (!settings.data) return;
    setHours(Object.fromEntries(Object.entries(settings.data.handling_seconds).map(([k, v]) => [k, String(v / 3600)])));
    setEnabled(settings.data.followup_enabled);
    setDays(String(settings.data.followup_days));
    setTemplateId(settings.data.followup_template_id ?? '');
  }, [settings.data]);

  if (settings.isLoading) return <Spinner />;
  if (settings.error) return <ErrorNotice error={settings.error} />;

  const save = () =>
    update.mutate({
      handling_seconds: Object.fromEntries(KINDS.map((k) => [k, Math.round(Number(hours[k] ?? 0) * 3600)])),
      followup_enabled: enabled,
      followup_days: Number(days),
      followup_template_id: templateId || null,
    });

  return (
    <section className="settings-page" data-testid="settings-cases">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.cases')}</h2>
          <p className="muted">{t('cases.settings.intro')}</p>
        </div>
      </header>
      <h3>{t('cases.settings.handling')}</h3>
      <table className="table table--compact">
        <tbody>
          {KINDS.map((k) => (
            <tr key={k}>
              <td>{t(`cases.kind.${k}`)}</td>
              <td>
                <input
                  className="input input--sm input--narrow"
                  inputMode="decimal"
                  value={hours[k] ?? ''}
                  disabled={!canEdit}
                  onChange={(e) => setHours((h) => ({ ...h, [k]: e.target.value }))}
                  aria-label={t('cases.settings.hoursFor', { kind: t(`cases.kind.${k}`) })}
                  data-testid={`case-hours-${k}`}
                />{' '}
                {t('cases.settings.hoursUnit')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">{t('cases.settings.zeroHint')}</p>
      <h3>{t('cases.settings.followup')}</h3>
      <p className="muted">{t('cases.settings.followupHint')}</p>
      <Toggle checked={enabled} onChange={setEnabled} label={t('cases.settings.followupOn')} disabled={!canEdit} testId="case-followup-enabled" />
      <div className="inline-form">
        <label className="ffield">
          <span className="ffield__label">{t('cases.settings.days')}</span>
          <input className="input input--sm input--narrow" inputMode="numeric" value={days} disabled={!canEdit} onChange={(e) => setDays(e.target.value)} data-testid="case-followup-days" />
        </label>
        <label className="ffield">
          <span className="ffield__label">{t('cases.settings.template')}</span>
          <select className="input input--sm" value={templateId} disabled={!canEdit} onChange={(e) => setTemplateId(e.target.value)} data-testid="case-followup-template">
            <option value="">{t('cases.settings.noTemplate')}</option>
            {(templates.data ?? []).map((tpl) => (
              <option key={tpl.id} value={tpl.id}>
                {templateName(t, tpl)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <FormProblem error={update.error} />
      {canEdit ? (
        <button type="button" className="btn btn--primary btn--sm" onClick={save} disabled={update.isPending} data-testid="case-settings-save">
          {update.isSuccess ? t('cases.settings.saved') : t('cases.settings.save')}
        </button>
      ) : null}
    </section>
  );
}
