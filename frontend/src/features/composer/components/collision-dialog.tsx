import { useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { components } from '@/api/schema';
import { useUserNames } from '@/hooks/use-directory';
import { formatDateTime } from '@/lib/format';

type Message = components['schemas']['MessageRead'];

interface CollisionDialogProps {
  arrived: readonly Message[];
  buyerName: string;
  pending: boolean;
  onSendAnyway: () => void;
  onEdit: () => void;
}

/**
 * Someone answered (or the buyer wrote again) while this reply was being written: show what arrived
 * before anything is sent twice, and let the agent send anyway or go back to edit.
 */
export function CollisionDialog({ arrived, buyerName, pending, onSendAnyway, onEdit }: CollisionDialogProps) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const userNames = useUserNames();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  const anyReply = arrived.some((m) => m.direction === 'outbound');

  return (
    <div ref={ref} tabIndex={-1} className="collision" role="alertdialog" aria-labelledby={`${id}-title`} aria-describedby={`${id}-desc`} data-testid="collision-dialog">
      <div className="collision__title" id={`${id}-title`}>
        {anyReply ? t('collision.titleReply') : t('collision.titleBuyer')}
      </div>
      <p className="collision__desc" id={`${id}-desc`}>
        {t('collision.description')}
      </p>
      <ul className="collision__messages">
        {arrived.map((m) => (
          <li key={m.id} className={`collision__message collision__message--${m.direction === 'outbound' ? 'out' : 'in'}`} data-testid="collision-message">
            <div className="collision__meta">
              <strong>{m.author_kind === 'buyer' ? buyerName : m.author_user_id ? (userNames.get(m.author_user_id) ?? t('thread.agent')) : t('thread.agent')}</strong>
              <span className="muted"> · {formatDateTime(m.sent_at, i18n.language)}</span>
            </div>
            <div className="collision__body">{m.body}</div>
          </li>
        ))}
      </ul>
      <div className="collision__actions">
        <button type="button" className="btn btn--sm" data-testid="collision-edit" onClick={onEdit}>
          {t('collision.edit')}
        </button>
        <button type="button" className="btn btn--primary btn--sm" data-testid="collision-send-anyway" disabled={pending} onClick={onSendAnyway}>
          {t('collision.sendAnyway')}
        </button>
      </div>
    </div>
  );
}
