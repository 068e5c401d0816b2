import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Spinner } from '@/components/feedback';
import { useTeams, useUserNames } from '@/hooks/use-directory';
import { CoverageView } from './coverage';
import { OnNow } from './on-now';
import { RosterEditor } from './roster-editor';
import '../shifts.css';

/**
 * Shifts: who is on now and next (everyone), a team's roster in each agent's own zone (supervisors
 * and admins edit it), and the week's coverage against the traffic of the last four weeks.
 */
export function ShiftsPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const teams = useTeams();
  const names = useUserNames();
  const [chosen, setChosen] = useState<string | null>(null);
  const list = teams.data ?? [];
  const team = list.find((x) => x.id === chosen) ?? list[0] ?? null;
  return (
    <div className="dash" data-testid="shifts-page">
      <header className="dash__head">
        <h1>{t('shifts.title')}</h1>
          {list.length > 0 ? (
            <label className="shift-team">
              <span>{t('shifts.team')}</span>
              <select value={team?.id ?? ''} onChange={(e) => setChosen(e.target.value)} data-testid="shift-team">
                {list.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
      </header>
      <p className="muted">{t('shifts.intro')}</p>
      <OnNow />
      {teams.isLoading ? <Spinner /> : team ? <RosterEditor team={team} names={names} canEdit={canEdit} /> : <p className="muted">{t('shifts.noTeams')}</p>}
      <CoverageView teamId={team?.id ?? null} />
    </div>
  );
}
