import { useTranslation } from 'react-i18next';
import { useOverflowStatus } from '../api/notifications';

/**
 * Supervisors and admins: every available agent is at capacity and unassigned work piles up in
 * Response Needed. Shown while the alert is raised; it goes when the backlog falls back.
 */
export function OverflowBanner({ enabled, onOpenQueue }: { enabled: boolean; onOpenQueue: () => void }) {
  const { t } = useTranslation();
  const status = useOverflowStatus(enabled);
  const s = status.data;
  if (!enabled || !s?.active) return null;
  const agents = s.available_agents ?? 0;
  return (
    <div className="overflow-banner" role="alert" data-testid="overflow-banner">
      <strong>{t('overflow.title')}</strong>
      <span>
        {t('overflow.body', { count: s.backlog ?? 0, threshold: s.threshold ?? 0 })}{' '}
        {t('overflow.allBusy', { count: agents })}
      </span>
      <button type="button" className="btn btn--sm" onClick={onOpenQueue}>
        {t('overflow.open')}
      </button>
    </div>
  );
}
