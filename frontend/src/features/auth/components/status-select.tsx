import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '@/hooks/use-directory';
import { oneOf } from '@/lib/enums';
import { useSetMyStatus, type PresenceStatus } from '../api/set-status';

const CHOICES = ['online', 'away'] as const satisfies readonly PresenceStatus[];

/** Online / Away in the header; opening the app counts as coming online. */
export function StatusSelect() {
  const { t } = useTranslation();
  const me = useMe();
  const { mutate: setStatus } = useSetMyStatus();
  const status = me.data?.user?.status;
  const announced = useRef(false);

  useEffect(() => {
    if (status === 'offline' && !announced.current) {
      announced.current = true;
      setStatus('online');
    }
  }, [status, setStatus]);

  if (!status) return null;
  return (
    <select
      className={`status-select status-select--${status}`}
      aria-label={t('header.status')}
      data-testid="my-status"
      value={status === 'offline' ? 'online' : status}
      onChange={(e) => {
        const next = oneOf(CHOICES, e.target.value);
        if (next) setStatus(next);
      }}
    >
      {CHOICES.map((c) => (
        <option key={c} value={c}>
          {t(`presenceStatus.${c}`)}
        </option>
      ))}
    </select>
  );
}
