import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { LoadFailed, Spinner } from '@/components/feedback';
import { useUsers } from '@/hooks/use-directory';
import { useWorkload, type Workload } from '../api/workload';

const MAX_PEOPLE = 40;

/** Who holds what: open conversations per agent against their capacity, from the inbox's own counts. */
export function WorkloadPanel() {
  const { t } = useTranslation();
  const users = useUsers();
  const people = (users.data ?? []).filter((u) => u.is_active).slice(0, MAX_PEOPLE);
  const workload = useWorkload(['none', ...people.map((u) => u.id)]);
  const byId = new Map(workload.rows.map((w) => [w.assignee, w]));
  const unassigned = byId.get('none');
  const fmt = (w: Workload | undefined, v: keyof Pick<Workload, 'open' | 'awaitingReply' | 'overdue' | 'failed'>) =>
    w === undefined ? '…' : w[v] > w.cap ? `${w.cap}+` : String(w[v]);

  return (
    <section className="panel" data-testid="workload">
      <header className="panel__head">
        <h2>{t('dashboard.workload')}</h2>
        <span className="muted">{t('dashboard.workloadHint')}</span>
      </header>
      <LoadFailed what={t('common.part.people')} error={users.error} onRetry={() => void users.refetch()} testId="workload-failed" />
      {users.isLoading ? (
        <Spinner />
      ) : (
        <table className="table workload-table">
          <thead>
            <tr>
              <th>{t('dashboard.agent')}</th>
              <th className="num">{t('dashboard.open')}</th>
              <th className="num">{t('dashboard.awaitingReply')}</th>
              <th className="num">{t('dashboard.overdue')}</th>
              <th className="num">{t('dashboard.failed')}</th>
              <th className="workload-table__load">{t('dashboard.load')}</th>
            </tr>
          </thead>
          <tbody>
            <tr data-testid="workload-row" data-assignee="none">
              <td>
                <Link to="/inbox?assignee=none">{t('inbox.unassigned')}</Link>
              </td>
              <td className="num">{fmt(unassigned, 'open')}</td>
              <td className="num">{fmt(unassigned, 'awaitingReply')}</td>
              <td className={`num${unassigned && unassigned.overdue > 0 ? ' is-bad' : ''}`}>{fmt(unassigned, 'overdue')}</td>
              <td className="num">{fmt(unassigned, 'failed')}</td>
              <td />
            </tr>
            {people.map((u) => {
              const w = byId.get(u.id);
              const load = w && u.capacity > 0 ? Math.min(1, w.open / u.capacity) : 0;
              return (
                <tr key={u.id} data-testid="workload-row" data-assignee={u.id}>
                  <td>
                    <span className={`presence-dot presence-dot--${u.status}`} title={t(`presenceStatus.${u.status}`)} />{' '}
                    <Link to={`/inbox?assignee=${u.id}`}>{u.name}</Link> <span className="muted">{t(`role.${u.role}`)}</span>
                  </td>
                  <td className="num">{fmt(w, 'open')}</td>
                  <td className="num">{fmt(w, 'awaitingReply')}</td>
                  <td className={`num${w && w.overdue > 0 ? ' is-bad' : ''}`}>{fmt(w, 'overdue')}</td>
                  <td className={`num${w && w.failed > 0 ? ' is-bad' : ''}`}>{fmt(w, 'failed')}</td>
                  <td>
                    <div className="loadbar" title={t('dashboard.loadOf', { open: w?.open ?? 0, capacity: u.capacity })}>
                      <div className={`loadbar__fill${load >= 1 ? ' is-full' : load >= 0.8 ? ' is-high' : ''}`} style={{ width: `${load * 100}%` }} />
                    </div>
                    <span className="loadbar__text">
                      {w?.open ?? 0} / {u.capacity}
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
