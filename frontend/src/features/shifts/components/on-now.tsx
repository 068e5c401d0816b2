import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { formatDateTime } from '@/lib/format';
import { useBoard, type OnShift } from '../api/shifts';

const order = (b: OnShift) => (b.on_shift ? 0 : 1);

/** Who is on shift now (until when, handing over or not) and everyone's next shift. */
export function OnNow() {
  const { t, i18n } = useTranslation();
  const board = useBoard();
  const rows = [...(board.data ?? [])].sort((a, b) => order(a) - order(b) || (a.next?.start ?? '').localeCompare(b.next?.start ?? '') || a.name.localeCompare(b.name));
  const on = rows.filter((r) => r.on_shift).length;
  return (
    <section className="panel" data-testid="on-now" aria-labelledby="on-now-title">
      <header className="panel__head">
        <h2 id="on-now-title">
          {t('shifts.onNow.title')} <span className="muted">{t('shifts.onNow.count', { count: on })}</span>
        </h2>
      </header>
      {board.error ? <ErrorNotice error={board.error} /> : null}
      {board.isLoading ? (
        <Spinner />
      ) : rows.length === 0 ? (
        <p className="muted">{t('shifts.onNow.none')}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('shifts.agent')}</th>
              <th>{t('shifts.onNow.now')}</th>
              <th>{t('shifts.onNow.presence')}</th>
              <th>{t('shifts.onNow.next')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((b) => (
              <tr key={b.user_id} data-testid="board-row" data-on-shift={b.on_shift} data-user={b.user_id}>
                <td>
                  {b.name} <span className="muted">· {t(`role.${b.role}`, { defaultValue: b.role })}</span>
                </td>
                <td>
                  {b.current ? (
                    <span className={`shift-state shift-state--${b.routable ? 'on' : 'handover'}`}>
                      {b.routable ? t('shifts.onNow.onUntil', { when: formatDateTime(b.current.end, i18n.language) }) : t('shifts.onNow.handingOver', { when: formatDateTime(b.current.end, i18n.language) })}
                    </span>
                  ) : (
                    <span className="muted">{t('shifts.onNow.off')}</span>
                  )}
                </td>
                <td>{t(`presenceStatus.${b.status}`, { defaultValue: b.status })}</td>
                <td className="nowrap">{b.next ? formatDateTime(b.next.start, i18n.language) : <span className="muted">{t('shifts.onNow.noNext')}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
