import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { ConfirmButton, Field, FormProblem } from '@/components/form';
import type { Team } from '@/hooks/use-directory';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { useCreateShift, useDeleteShift, useRoster, type Shift, type ShiftCreate } from '../api/shifts';
import { formatLength, lengthToMinutes, wallClockEnd } from '../lib/roster';

const ZONES = ['Asia/Shanghai', 'Asia/Singapore', 'Asia/Tokyo', 'Europe/Madrid', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'UTC'];
const PLACED = ['user_id', 'team_id', 'time_zone', 'weekday', 'on_date', 'start_time', 'duration_minutes', 'handover_minutes', 'is_off'];

/** Weekday names in the UI language, Monday first (0 = Monday, as the API counts). */
function useWeekdays(): string[] {
  const { i18n } = useTranslation();
  return useMemo(() => {
    const fmt = new Intl.DateTimeFormat(i18n.language, { weekday: 'long', timeZone: 'UTC' });
    return Array.from({ length: 7 }, (_, i) => fmt.format(Date.UTC(2024, 0, 1 + i))); // 2024-01-01 was a Monday
  }, [i18n.language]);
}

const hhmm = (time: string) => time.slice(0, 5);

/** One team's roster: weekly patterns and dated exceptions per agent, each in the agent's own zone. */
export function RosterEditor({ team, names, canEdit }: { team: Team; names: ReadonlyMap<string, string>; canEdit: boolean }) {
  const { t } = useTranslation();
  const weekdays = useWeekdays();
  const roster = useRoster(team.id);
  const remove = useDeleteShift();
  const lines = roster.data ?? [];
  const members = [...team.member_ids].sort((a, b) => (names.get(a) ?? '').localeCompare(names.get(b) ?? ''));

  const when = (s: Shift) => (s.weekday !== null && s.weekday !== undefined ? weekdays[s.weekday] : s.on_date);
  return (
    <section className="panel" data-testid="roster" aria-labelledby="roster-title">
      <header className="panel__head">
        <h2 id="roster-title">{t('shifts.roster.title')}</h2>
      </header>
      <p className="muted">{t('shifts.roster.intro')}</p>
      {roster.error ? <ErrorNotice error={roster.error} /> : null}
      {roster.isLoading ? (
        <Spinner />
      ) : lines.length === 0 ? (
        <p className="muted" data-testid="roster-empty">
          {t('shifts.roster.none')}
        </p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('shifts.agent')}</th>
              <th>{t('shifts.roster.when')}</th>
              <th>{t('shifts.roster.hours')}</th>
              <th>{t('shifts.roster.zone')}</th>
              <th>{t('shifts.roster.handover')}</th>
              {canEdit ? <th>{t('shifts.roster.actions')}</th> : null}
            </tr>
          </thead>
          <tbody>
            {lines.map((s) => {
              const end = wallClockEnd(hhmm(s.start_time), s.duration_minutes);
              return (
                <tr key={s.id} data-testid="roster-line" data-user={s.user_id} data-kind={s.on_date ? 'exception' : 'weekly'}>
                  <td>{names.get(s.user_id) ?? s.user_id.slice(0, 8)}</td>
                  <td>
                    {when(s)}
                    {s.on_date ? <span className="muted"> · {t('shifts.roster.exception')}</span> : null}
                  </td>
                  <td className="nowrap">
                    {s.is_off ? (
                      <span className="muted">{t('shifts.roster.dayOff')}</span>
                    ) : (
                      <>
                        {hhmm(s.start_time)}–{end.end}
                        {end.nextDay ? <span className="shift-overnight"> {t('shifts.roster.nextDay')}</span> : null}
                        <span className="muted"> ({t('shifts.roster.lengthH', { h: formatLength(s.duration_minutes) })})</span>
                      </>
                    )}
                  </td>
                  <td className="mono">{s.time_zone}</td>
                  <td>{s.is_off ? '' : t('shifts.roster.minutes', { count: s.handover_minutes })}</td>
                  {canEdit ? (
                    <td className="row-actions">
                      <ConfirmButton label={t('shifts.roster.remove')} confirmLabel={t('shifts.roster.confirmRemove')} onConfirm={() => remove.mutate(s.id)} disabled={remove.isPending} testId="roster-remove" />
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {remove.error ? <ErrorNotice error={remove.error} /> : null}
      {canEdit ? <AddShift key={team.id} team={team} members={members} names={names} lines={lines} weekdays={weekdays} /> : null}
    </section>
  );
}

function AddShift({ team, members, names, lines, weekdays }: { team: Team; members: string[]; names: ReadonlyMap<string, string>; lines: Shift[]; weekdays: string[] }) {
  const { t } = useTranslation();
  const create = useCreateShift();
  const errors = fieldErrorsOf(create.error);
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const zoneOf = (userId: string) => lines.find((l) => l.user_id === userId)?.time_zone ?? browserZone;
  const [userId, setUserId] = useState(members[0] ?? '');
  const [kind, setKind] = useState<'weekly' | 'dated'>('weekly');
  const [weekday, setWeekday] = useState(0);
  const [onDate, setOnDate] = useState('');
  const [start, setStart] = useState('09:00');
  const [length, setLength] = useState('8');
  const [handover, setHandover] = useState('30');
  const [zone, setZone] = useState(() => zoneOf(members[0] ?? ''));
  const [dayOff, setDayOff] = useState(false);
  const minutes = lengthToMinutes(length);
  const end = Number.isNaN(minutes) ? null : wallClockEnd(start, minutes);

  if (members.length === 0) return <p className="muted">{t('shifts.roster.noMembers')}</p>;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: ShiftCreate = {
      team_id: team.id,
      user_id: userId,
      time_zone: zone.trim(),
      start_time: start,
      // Not a number: sent as 0 so the server names the field and the reason.
      duration_minutes: Number.isNaN(minutes) ? 0 : minutes,
      handover_minutes: Number(handover) || 0,
      ...(kind === 'weekly' ? { weekday } : { on_date: onDate, is_off: dayOff }),
    };
    create.mutate(body);
  };
  return (
    <form className="form shift-form" onSubmit={submit} data-testid="shift-form" aria-labelledby="shift-form-title">
      <h3 id="shift-form-title">{t('shifts.form.title')}</h3>
      <div className="form__grid form__grid--4">
        <Field label={t('shifts.agent')} errors={errorsAt(errors, 'user_id')}>
          <select
            value={userId}
            onChange={(e) => {
              setUserId(e.target.value);
              setZone(zoneOf(e.target.value));
            }}
            data-testid="shift-user"
          >
            {members.map((m) => (
              <option key={m} value={m}>
                {names.get(m) ?? m}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('shifts.form.repeat')} errors={[]}>
          <select value={kind} onChange={(e) => setKind(e.target.value === 'dated' ? 'dated' : 'weekly')} data-testid="shift-kind">
            <option value="weekly">{t('shifts.form.weekly')}</option>
            <option value="dated">{t('shifts.form.dated')}</option>
          </select>
        </Field>
        {kind === 'weekly' ? (
          <Field label={t('shifts.form.weekday')} errors={errorsAt(errors, 'weekday')}>
            <select value={weekday} onChange={(e) => setWeekday(Number(e.target.value))} data-testid="shift-weekday">
              {weekdays.map((w, i) => (
                <option key={w} value={i}>
                  {w}
                </option>
              ))}
            </select>
          </Field>
        ) : (
          <Field label={t('shifts.form.date')} errors={errorsAt(errors, 'on_date')}>
            <input type="date" value={onDate} required onChange={(e) => setOnDate(e.target.value)} data-testid="shift-date" />
          </Field>
        )}
        <Field label={t('shifts.roster.zone')} errors={errorsAt(errors, 'time_zone')} hint={t('shifts.form.zoneHint')}>
          <input value={zone} list="shift-zones" onChange={(e) => setZone(e.target.value)} data-testid="shift-zone" />
        </Field>
        <Field label={t('shifts.form.start')} errors={errorsAt(errors, 'start_time')} testId="field-start">
          <input type="time" value={start} required onChange={(e) => setStart(e.target.value)} data-testid="shift-start" />
        </Field>
        <Field
          label={t('shifts.form.length')}
          errors={errorsAt(errors, 'duration_minutes')}
          hint={end ? (end.nextDay ? t('shifts.form.endsNextDay', { end: end.end }) : t('shifts.form.ends', { end: end.end })) : t('shifts.form.lengthHint')}
          testId="field-length"
        >
          <input value={length} inputMode="decimal" onChange={(e) => setLength(e.target.value)} data-testid="shift-length" />
        </Field>
        <Field label={t('shifts.form.handover')} errors={errorsAt(errors, 'handover_minutes')} hint={t('shifts.form.handoverHint')}>
          <input type="number" min={0} value={handover} onChange={(e) => setHandover(e.target.value)} data-testid="shift-handover" />
        </Field>
        {kind === 'dated' ? (
          <Field label={t('shifts.form.dayOff')} errors={errorsAt(errors, 'is_off')}>
            <input type="checkbox" checked={dayOff} onChange={(e) => setDayOff(e.target.checked)} data-testid="shift-day-off" />
          </Field>
        ) : null}
      </div>
      <datalist id="shift-zones">
        {ZONES.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <FormProblem error={create.error} placed={PLACED} />
      {create.isSuccess && !create.error ? (
        <p className="notice notice--ok" role="status" data-testid="shift-added">
          {t('shifts.form.added')}
        </p>
      ) : null}
      <div className="form__actions">
        <button type="submit" className="btn btn--primary btn--sm" disabled={create.isPending || !userId} data-testid="shift-save">
          {t('shifts.form.add')}
        </button>
      </div>
    </form>
  );
}
