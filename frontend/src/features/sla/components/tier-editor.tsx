import { useTranslation } from 'react-i18next';
import { DurationInput } from '@/components/form';
import { formatDuration } from '@/lib/duration';
import { firesAfterSeconds, fractionToHours, hoursToFraction, TIER_ACTIONS, tierProblem, type TierDraft, type TierMode } from '../lib/tiers';

/**
 * The escalation ladder: each tier an action and when it fires — a share of the clock (scales
 * with the target), a time after the start, or a time before the deadline. A share can be typed
 * as a percentage or as hours on this policy's first-response clock.
 */
export function TierEditor({
  tiers,
  onChange,
  targetSeconds,
  errorsFor,
}: {
  tiers: TierDraft[];
  onChange: (tiers: TierDraft[]) => void;
  targetSeconds: number;
  errorsFor: (index: number) => string[];
}) {
  const { t } = useTranslation();
  const units = { d: t('units.d'), h: t('units.h'), min: t('units.min'), s: t('units.s') };
  const set = (i: number, patch: Partial<TierDraft>) => onChange(tiers.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const changeMode = (i: number, mode: TierMode) => {
    const d = tiers[i]!;
    const at = Math.max(60, Math.min(targetSeconds - 60, firesAfterSeconds(d, targetSeconds)));
    // Keep the moment it fires on this clock when switching how it is expressed.
    const value = mode === 'fraction' ? Math.min(0.99, Math.max(0.01, at / targetSeconds)) : mode === 'after' ? at : targetSeconds - at;
    set(i, { mode, value: Math.round(value * 10_000) / 10_000 });
  };
  return (
    <div className="tiers" data-testid="tier-editor">
      {tiers.length === 0 ? <p className="muted">{t('sla.tiers.none')}</p> : null}
      {tiers.map((d, i) => {
        const problem = tierProblem(d, targetSeconds);
        const at = firesAfterSeconds(d, targetSeconds);
        const errors = errorsFor(i);
        return (
          <div key={i} className={`tier${problem || errors.length ? ' has-error' : ''}`} data-testid="tier-row">
            <span className="tier__n">{i + 1}</span>
            <select value={d.action} aria-label={t('sla.tiers.action')} onChange={(e) => set(i, { action: TIER_ACTIONS.find((a) => a === e.target.value) ?? d.action })}>
              {TIER_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {t(`sla.action.${a}`)}
                </option>
              ))}
            </select>
            <select value={d.mode} aria-label={t('sla.tiers.placement')} onChange={(e) => changeMode(i, e.target.value as TierMode)}>
              <option value="fraction">{t('sla.tiers.mode.fraction')}</option>
              <option value="after">{t('sla.tiers.mode.after')}</option>
              <option value="before">{t('sla.tiers.mode.before')}</option>
            </select>
            {d.mode === 'fraction' ? (
              <span className="tier__fraction">
                <input
                  type="number"
                  min={1}
                  max={99}
                  step="any"
                  className="input--narrow"
                  aria-label={t('sla.tiers.percent')}
                  value={Math.round(d.value * 10_000) / 100}
                  onChange={(e) => set(i, { value: Number(e.target.value) / 100 })}
                  data-testid="tier-percent"
                />
                <span>%</span>
                <span className="muted">=</span>
                <input
                  type="number"
                  step="any"
                  className="input--narrow"
                  aria-label={t('sla.tiers.hours')}
                  value={fractionToHours(d.value, targetSeconds)}
                  onChange={(e) => {
                    const f = hoursToFraction(Number(e.target.value), targetSeconds);
                    if (f !== null) set(i, { value: f });
                  }}
                  data-testid="tier-hours"
                />
                <span className="muted">{t('sla.tiers.hoursOf', { target: formatDuration(targetSeconds, units) })}</span>
              </span>
            ) : (
              <DurationInput seconds={d.value} onChange={(s) => set(i, { value: s ?? 0 })} ariaLabel={t('sla.tiers.offset')} />
            )}
            <span className="tier__when muted">{problem ? null : t('sla.tiers.firesAt', { at: formatDuration(at, units) })}</span>
            <button type="button" className="btn btn--ghost btn--sm" aria-label={t('sla.tiers.remove', { n: i + 1 })} onClick={() => onChange(tiers.filter((_, j) => j !== i))}>
              ✕
            </button>
            {problem ? <span className="ffield__error tier__error">{t(`sla.tiers.problem.${problem}`)}</span> : null}
            {errors.map((e) => (
              <span key={e} className="ffield__error tier__error">
                {e}
              </span>
            ))}
          </div>
        );
      })}
      <button
        type="button"
        className="btn btn--sm"
        disabled={tiers.length >= 10}
        onClick={() => onChange([...tiers, { action: 'notify_assignee_and_team', mode: 'fraction', value: 0.75 }])}
      >
        {t('sla.tiers.add')}
      </button>
    </div>
  );
}
