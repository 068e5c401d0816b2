import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatDuration } from '@/lib/duration';
import type { Overview } from '../api/metrics';

interface Kpi {
  key: string;
  label: string;
  value: string;
  hint: string;
  tone?: 'danger' | 'warn' | 'ok';
  to?: string;
}

/** The supervisor's headline figures, each a link to the inbox view it counts. */
export function KpiCards({ overview }: { overview: Overview | undefined }) {
  const { t, i18n } = useTranslation();
  const n = (v: number | undefined) => (v === undefined ? '—' : new Intl.NumberFormat(i18n.language).format(v));
  const units = { d: t('units.d'), h: t('units.h'), min: t('units.min'), s: t('units.s') };
  const avg = overview?.average_first_response_seconds;
  const kpis: Kpi[] = [
    { key: 'pending', label: t('dashboard.pending'), value: n(overview?.pending), hint: t('dashboard.pendingHint'), to: '/inbox?view=response_needed' },
    {
      key: 'avg',
      label: t('dashboard.avgFirstResponse'),
      value: avg === null || avg === undefined ? '—' : formatDuration(avg, units),
      hint: avg === null ? t('dashboard.avgNone') : t('dashboard.avgHint'),
    },
    {
      key: 'due_soon',
      label: t('dashboard.aboutToBreach'),
      value: n(overview?.about_to_breach),
      hint: t('dashboard.aboutToBreachHint'),
      tone: overview && overview.about_to_breach > 0 ? 'warn' : undefined,
      to: '/inbox?sla_state=due_soon&sort=deadline',
    },
    {
      key: 'overdue',
      label: t('dashboard.overdue'),
      value: n(overview?.overdue),
      hint: t('dashboard.overdueHint'),
      tone: overview && overview.overdue > 0 ? 'danger' : 'ok',
      to: '/inbox?sla_state=overdue&sort=deadline',
    },
    { key: 'handled', label: t('dashboard.handledToday'), value: n(overview?.handled_today), hint: t('dashboard.handledTodayHint') },
  ];
  return (
    <section className="kpis" aria-label={t('dashboard.headline')}>
      {kpis.map((k) => {
        const body = (
          <>
            <span className="kpi__label">{k.label}</span>
            <span className="kpi__value" data-testid={`kpi-${k.key}`}>
              {k.value}
            </span>
            <span className="kpi__hint">{k.hint}</span>
          </>
        );
        return k.to ? (
          <Link key={k.key} to={k.to} className={`kpi kpi--link${k.tone ? ` kpi--${k.tone}` : ''}`}>
            {body}
          </Link>
        ) : (
          <div key={k.key} className={`kpi${k.tone ? ` kpi--${k.tone}` : ''}`}>
            {body}
          </div>
        );
      })}
    </section>
  );
}
