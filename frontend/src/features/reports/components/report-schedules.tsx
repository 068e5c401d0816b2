import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { ChipsInput, ConfirmButton, Dialog, Field, FormProblem, Segmented, Toggle } from '@/components/form';
import { useUserNames, useUsers } from '@/hooks/use-directory';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { formatDateTime } from '@/lib/format';
import { useDeleteReportSchedule, useReportSchedules, useSaveReportSchedule, type ReportSchedule, type ReportScheduleCreate } from '../api/schedules';

type Format = ReportScheduleCreate['formats'] extends (infer F)[] | undefined ? F : never;
const FORMATS: Format[] = ['pdf', 'csv', 'xlsx'];
const HOURS = Array.from({ length: 24 }, (_, h) => h);

function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Report schedules: the weekly or monthly report mailed to chosen people once each period is over. */
export function ReportSchedules() {
  const { t, i18n } = useTranslation();
  const schedules = useReportSchedules();
  const remove = useDeleteReportSchedule();
  const names = useUserNames();
  const [editing, setEditing] = useState<ReportSchedule | 'new' | null>(null);
  return (
    <section className="panel" data-testid="report-schedules">
      <header className="panel__head">
        <h2>{t('reportSchedules.title')}</h2>
        <div className="panel__tools">
          <button type="button" className="btn btn--primary btn--sm" onClick={() => setEditing('new')} data-testid="schedule-create">
            {t('reportSchedules.create')}
          </button>
        </div>
      </header>
      <p className="muted">{t('reportSchedules.intro')}</p>
      {schedules.error ? <ErrorNotice error={schedules.error} /> : null}
      {remove.error ? <ErrorNotice error={remove.error} /> : null}
      {schedules.isLoading ? <Spinner /> : null}
      {schedules.data && schedules.data.length === 0 ? <p className="muted">{t('reportSchedules.none')}</p> : null}
      {schedules.data && schedules.data.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th>{t('reportSchedules.name')}</th>
              <th>{t('reportSchedules.when')}</th>
              <th>{t('reportSchedules.recipients')}</th>
              <th>{t('reportSchedules.formats')}</th>
              <th>{t('reportSchedules.next')}</th>
              <th>{t('reportSchedules.last')}</th>
              <th aria-label={t('reportSchedules.actions')} />
            </tr>
          </thead>
          <tbody>
            {schedules.data.map((s) => (
              <tr key={s.id} className={s.enabled ? '' : 'is-inactive'} data-testid="schedule-row">
                <td>{s.name}</td>
                <td>
                  {t(s.period === 'week' ? 'reportSchedules.weekly' : 'reportSchedules.monthly', { hour: String(s.hour).padStart(2, '0'), zone: s.time_zone })}
                </td>
                <td data-testid="schedule-recipients">{[...s.recipient_user_ids.map((id) => names.get(id) ?? id), ...s.recipient_addresses].join(', ')}</td>
                <td>{s.formats.length ? s.formats.map((f) => f.toUpperCase()).join(', ') : t('reportSchedules.htmlOnly')}</td>
                <td data-testid="schedule-next">{s.next_send_at ? formatDateTime(s.next_send_at, i18n.language) : t('reportSchedules.paused')}</td>
                <td>{s.last_delivery ? t('reportSchedules.lastSent', { start: s.last_delivery.period_start, n: s.last_delivery.recipients }) : '—'}</td>
                <td className="row-actions">
                  <button type="button" className="btn btn--sm" onClick={() => setEditing(s)} data-testid="schedule-edit">
                    {t('reportSchedules.edit')}
                  </button>
                  <ConfirmButton
                    className="btn btn--sm btn--danger-ghost"
                    label={t('reportSchedules.delete')}
                    confirmLabel={t('reportSchedules.deleteConfirm')}
                    onConfirm={() => remove.mutate(s.id)}
                    testId="schedule-delete"
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {editing ? <ScheduleDialog schedule={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
    </section>
  );
}

export function ScheduleDialog({ schedule, onClose }: { schedule: ReportSchedule | null; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const users = useUsers();
  const save = useSaveReportSchedule();
  const [name, setName] = useState(schedule?.name ?? '');
  const [period, setPeriod] = useState<'week' | 'month'>(schedule?.period ?? 'week');
  const [hour, setHour] = useState(schedule?.hour ?? 8);
  const [zone, setZone] = useState(schedule?.time_zone ?? browserZone());
  const [language, setLanguage] = useState<'en' | 'zh-CN'>(schedule?.language ?? (i18n.language === 'zh-CN' ? 'zh-CN' : 'en'));
  const [formats, setFormats] = useState<Format[]>(schedule?.formats ?? ['pdf']);
  const [userIds, setUserIds] = useState<string[]>(schedule?.recipient_user_ids ?? []);
  const [addresses, setAddresses] = useState<string[]>(schedule?.recipient_addresses ?? []);
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);
  const errors = fieldErrorsOf(save.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: ReportScheduleCreate = {
      name: name.trim(),
      period,
      hour,
      time_zone: zone.trim(),
      language,
      formats,
      recipient_user_ids: userIds,
      recipient_addresses: addresses,
      enabled,
    };
    save.mutate({ id: schedule?.id ?? null, body }, { onSuccess: onClose });
  };
  const active = (users.data ?? []).filter((u) => u.is_active || userIds.includes(u.id));
  return (
    <Dialog title={schedule ? t('reportSchedules.editTitle') : t('reportSchedules.create')} onClose={onClose} wide testId="schedule-dialog">
      <form className="form" onSubmit={submit}>
        <Field label={t('reportSchedules.name')} errors={errorsAt(errors, 'name')}>
          <input value={name} required maxLength={100} onChange={(e) => setName(e.target.value)} data-testid="schedule-name" />
        </Field>
        <Field label={t('reportSchedules.period')} errors={errorsAt(errors, 'period')}>
          <Segmented
            ariaLabel={t('reportSchedules.period')}
            value={period}
            onChange={setPeriod}
            options={[
              { value: 'week', label: t('reports.weekly') },
              { value: 'month', label: t('reports.monthly') },
            ]}
            testId="schedule-period"
          />
        </Field>
        <div className="form__grid form__grid--3">
          <Field label={t('reportSchedules.hour')} errors={errorsAt(errors, 'hour')}>
            <select value={hour} onChange={(e) => setHour(Number(e.target.value))} data-testid="schedule-hour">
              {HOURS.map((h) => (
                <option key={h} value={h}>
                  {String(h).padStart(2, '0')}:00
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('reportSchedules.timeZone')} errors={errorsAt(errors, 'time_zone')} hint={t('reportSchedules.timeZoneHint')}>
            <input value={zone} required onChange={(e) => setZone(e.target.value)} data-testid="schedule-zone" />
          </Field>
          <Field label={t('reportSchedules.language')} errors={errorsAt(errors, 'language')}>
            <select value={language} onChange={(e) => setLanguage(e.target.value as 'en' | 'zh-CN')} data-testid="schedule-language">
              <option value="en">English</option>
              <option value="zh-CN">简体中文</option>
            </select>
          </Field>
        </div>
        <Field label={t('reportSchedules.formats')} errors={errorsAt(errors, 'formats', true)} hint={t('reportSchedules.formatsHint')}>
          <div className="scope-list">
            {FORMATS.map((f) => (
              <label key={f} className="scope">
                <input
                  type="checkbox"
                  checked={formats.includes(f)}
                  onChange={(e) => setFormats((c) => (e.target.checked ? [...c, f] : c.filter((x) => x !== f)))}
                  data-testid={`schedule-format-${f}`}
                />
                <span>{f.toUpperCase()}</span>
              </label>
            ))}
          </div>
        </Field>
        <Field label={t('reportSchedules.people')} errors={errorsAt(errors, 'recipient_user_ids', true)}>
          <div className="scope-list" data-testid="schedule-users">
            {active.map((u) => (
              <label key={u.id} className="scope">
                <input
                  type="checkbox"
                  checked={userIds.includes(u.id)}
                  onChange={(e) => setUserIds((c) => (e.target.checked ? [...c, u.id] : c.filter((x) => x !== u.id)))}
                />
                <span>{u.name}</span>
                <span className="muted">{u.email}</span>
              </label>
            ))}
          </div>
        </Field>
        <Field label={t('reportSchedules.addresses')} errors={errorsAt(errors, 'recipient_addresses', true)} hint={t('reportSchedules.addressesHint')}>
          <ChipsInput values={addresses} onChange={setAddresses} ariaLabel={t('reportSchedules.addresses')} placeholder="name@example.com" testId="schedule-addresses" />
        </Field>
        <Toggle checked={enabled} onChange={setEnabled} label={t('reportSchedules.enabled')} testId="schedule-enabled" />
        <FormProblem error={save.error} placed={['name', 'period', 'hour', 'time_zone', 'language', 'formats', 'recipient_user_ids', 'recipient_addresses']} />
        <div className="form__actions">
          <button type="button" className="btn btn--sm" onClick={onClose}>
            {t('form.cancel')}
          </button>
          <button type="submit" className="btn btn--primary btn--sm" disabled={!name.trim() || save.isPending} data-testid="schedule-save">
            {schedule ? t('form.save') : t('form.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
