import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { OrderedRulesTable } from '@/components/ordered-rules-table';
import { queryKeys } from '@/lib/query-keys';
import { ChipsInput, Dialog, Field, FormProblem, Toggle } from '@/components/form';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { useCalendars, useSaveCalendar, type Calendar, type CalendarCreate } from '../api/sla';
import { isOvernight, officeHours, readWeek, validInterval, WEEKDAYS, weeklyHours, writeWeek, type Week, type Weekday } from '../lib/calendar';

/** Business calendars for the internal clocks: time zone, working intervals, holidays. */
export function CalendarsPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const calendars = useCalendars();
  const [editing, setEditing] = useState<Calendar | 'new' | null>(null);
  return (
    <section className="settings-page" data-testid="settings-calendars">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.calendars')}</h2>
          <p className="muted">{t('calendars.intro')}</p>
        </div>
        {canEdit ? (
          <button type="button" className="btn btn--primary btn--sm" onClick={() => setEditing('new')} data-testid="new-calendar">
            {t('calendars.new')}
          </button>
        ) : null}
      </header>
      {calendars.error ? <ErrorNotice error={calendars.error} /> : null}
      {calendars.isLoading ? (
        <Spinner />
      ) : (calendars.data ?? []).length === 0 ? (
        <p className="muted">{t('calendars.none')}</p>
      ) : (
        <OrderedRulesTable
          rows={calendars.data ?? []}
          canEdit={canEdit}
          rowTestId="calendar-row"
          onEdit={setEditing}
          deletion={{ kind: 'calendar', invalidate: queryKeys.sla.calendars, testId: 'delete-calendar' }}
          columns={[
            {
              header: t('settings.name'),
              cell: (c) => (
                <>
                  <strong>{c.name}</strong> {c.is_default ? <span className="tag tag--ok">{t('calendars.default')}</span> : null}
                </>
              ),
            },
            { header: t('calendars.timeZone'), className: 'mono', cell: (c) => c.time_zone },
            { header: t('calendars.hours'), cell: (c) => <WeekSummary calendar={c} /> },
            {
              header: t('calendars.holidays'),
              cell: (c) =>
                [
                  c.country_holidays ? `${c.country_holidays}${c.subdivision ? `-${c.subdivision}` : ''}` : null,
                  c.holidays.length ? t('calendars.dates', { count: c.holidays.length }) : null,
                  c.recurring_holidays.length ? t('calendars.yearly', { count: c.recurring_holidays.length }) : null,
                ]
                  .filter(Boolean)
                  .join(' · ') || '—',
            },
          ]}
        />
      )}
      {editing ? <CalendarDialog calendar={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
    </section>
  );
}

function WeekSummary({ calendar }: { calendar: Calendar }) {
  const { t } = useTranslation();
  const week = readWeek(calendar.intervals);
  return (
    <>
      <div className="week-summary">
        {WEEKDAYS.map((d) => (
          <span key={d} className={week[d].length ? 'is-on' : ''} title={week[d].map((i) => `${i.start}–${i.end}`).join(', ')}>
            {t(`calendars.day.${d}`)}
          </span>
        ))}
      </div>
      <div className="cell-sub muted">{t('calendars.weekly', { hours: weeklyHours(week) })}</div>
    </>
  );
}

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf: (k: string) => string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC', 'Asia/Shanghai', 'America/New_York', 'America/Los_Angeles', 'Europe/London'];
  }
}

function CalendarDialog({ calendar, onClose }: { calendar: Calendar | null; onClose: () => void }) {
  const { t } = useTranslation();
  const save = useSaveCalendar();
  const errors = fieldErrorsOf(save.error);
  const zones = useMemo(timeZones, []);
  const [name, setName] = useState(calendar?.name ?? '');
  const [zone, setZone] = useState(calendar?.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC');
  const [week, setWeek] = useState<Week>(calendar ? readWeek(calendar.intervals) : officeHours());
  const [holidays, setHolidays] = useState<string[]>(calendar?.holidays ?? []);
  const [recurring, setRecurring] = useState<string[]>(calendar?.recurring_holidays ?? []);
  const [country, setCountry] = useState(calendar?.country_holidays ?? '');
  const [subdivision, setSubdivision] = useState(calendar?.subdivision ?? '');
  const [isDefault, setIsDefault] = useState(calendar?.is_default ?? false);
  const [newDate, setNewDate] = useState('');

  const setDay = (d: Weekday, intervals: Week[Weekday]) => setWeek((w) => ({ ...w, [d]: intervals }));
  const invalid = WEEKDAYS.some((d) => week[d].some((i) => !validInterval(i)));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: CalendarCreate = {
      name: name.trim(),
      time_zone: zone,
      intervals: writeWeek(week),
      holidays,
      recurring_holidays: recurring,
      country_holidays: country.trim() || null,
      subdivision: subdivision.trim() || null,
      is_default: isDefault,
    };
    save.mutate({ id: calendar?.id ?? null, body }, { onSuccess: onClose });
  };

  return (
    <Dialog title={calendar ? t('calendars.edit', { name: calendar.name }) : t('calendars.new')} onClose={onClose} wide testId="calendar-dialog">
      <form className="form" onSubmit={submit}>
        <div className="form__grid">
          <Field label={t('settings.name')} errors={errorsAt(errors, 'name')}>
            <input value={name} required onChange={(e) => setName(e.target.value)} data-testid="calendar-name" />
          </Field>
          <Field label={t('calendars.timeZone')} errors={errorsAt(errors, 'time_zone')}>
            <input list="hg-time-zones" value={zone} onChange={(e) => setZone(e.target.value)} />
            <datalist id="hg-time-zones">
              {zones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </Field>
        </div>
        <fieldset className="form__section" data-testid="calendar-week">
          <legend>{t('calendars.hours')}</legend>
          <p className="muted form__help">{t('calendars.hoursHint', { hours: weeklyHours(week) })}</p>
          <div className="week">
            {WEEKDAYS.map((d) => (
              <div key={d} className="week__day" data-testid={`day-${d}`}>
                <span className="week__name">{t(`calendars.day.${d}`)}</span>
                <div className="week__intervals">
                  {week[d].length === 0 ? <span className="muted">{t('calendars.closed')}</span> : null}
                  {week[d].map((iv, i) => (
                    <span key={i} className={`interval${validInterval(iv) ? '' : ' has-error'}`}>
                      <input type="time" value={iv.start} aria-label={t('calendars.start')} onChange={(e) => setDay(d, week[d].map((x, j) => (j === i ? { ...x, start: e.target.value } : x)))} />
                      <span>–</span>
                      <input type="time" value={iv.end} aria-label={t('calendars.end')} onChange={(e) => setDay(d, week[d].map((x, j) => (j === i ? { ...x, end: e.target.value } : x)))} />
                      {isOvernight(iv) ? <span className="tag tag--muted">{t('calendars.overnight')}</span> : null}
                      <button type="button" className="btn btn--ghost btn--sm" aria-label={t('calendars.removeInterval')} onClick={() => setDay(d, week[d].filter((_, j) => j !== i))}>
                        ✕
                      </button>
                    </span>
                  ))}
                  <button
                    type="button"
                    className="btn btn--link"
                    onClick={() => setDay(d, [...week[d], week[d].length ? { start: '13:00', end: '18:00' } : { start: '09:00', end: '18:00' }])}
                  >
                    {t('calendars.addInterval')}
                  </button>
                </div>
              </div>
            ))}
          </div>
          {errorsAt(errors, 'intervals', true).map((e) => (
            <span key={e} className="ffield__error">
              {e}
            </span>
          ))}
        </fieldset>
        <fieldset className="form__section">
          <legend>{t('calendars.holidays')}</legend>
          <div className="form__grid">
            <Field label={t('calendars.dateHolidays')} errors={errorsAt(errors, 'holidays', true)}>
              <div className="inline-add">
                <input type="date" value={newDate} onChange={(e) => setNewDate(e.target.value)} aria-label={t('calendars.dateHolidays')} />
                <button
                  type="button"
                  className="btn btn--sm"
                  disabled={!newDate}
                  onClick={() => {
                    if (newDate && !holidays.includes(newDate)) setHolidays([...holidays, newDate].sort());
                    setNewDate('');
                  }}
                >
                  {t('form.add')}
                </button>
              </div>
              <div className="tag-list">
                {holidays.map((h) => (
                  <span key={h} className="chip">
                    {h}
                    <button type="button" className="chip__remove" aria-label={t('form.removeValue', { value: h })} onClick={() => setHolidays(holidays.filter((x) => x !== h))}>
                      ×
                    </button>
                  </span>
                ))}
              </div>
            </Field>
            <Field label={t('calendars.recurring')} errors={errorsAt(errors, 'recurring_holidays', true)} hint={t('calendars.recurringHint')}>
              <ChipsInput ariaLabel={t('calendars.recurring')} values={recurring} onChange={setRecurring} placeholder="12-25" />
            </Field>
            <Field label={t('calendars.country')} errors={errorsAt(errors, 'country_holidays')} hint={t('calendars.countryHint')}>
              <input value={country} maxLength={8} className="input--narrow" onChange={(e) => setCountry(e.target.value.toUpperCase())} placeholder="US, CN…" />
            </Field>
            <Field label={t('calendars.subdivision')} errors={errorsAt(errors, 'subdivision')}>
              <input value={subdivision} maxLength={16} className="input--narrow" onChange={(e) => setSubdivision(e.target.value.toUpperCase())} placeholder="CA" />
            </Field>
          </div>
        </fieldset>
        <Toggle checked={isDefault} onChange={setIsDefault} label={t('calendars.makeDefault')} />
        <FormProblem error={save.error} placed={['name', 'time_zone', 'intervals', 'holidays', 'recurring_holidays', 'country_holidays', 'subdivision']} />
        <div className="form__actions">
          <button type="button" className="btn btn--sm" onClick={onClose}>
            {t('form.cancel')}
          </button>
          <button type="submit" className="btn btn--primary btn--sm" disabled={save.isPending || invalid || !name.trim()} data-testid="calendar-save">
            {t('form.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
