import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { NO_RESPONSE_REASONS } from '@/lib/enums';
import type { NoResponseInput, NoResponseReason } from '../api/no-response-needed';

interface NoResponseDialogProps {
  containsQuestion: boolean;
  pending: boolean;
  error: unknown;
  onConfirm: (body: NoResponseInput) => void;
  onCancel: () => void;
}

/**
 * "No response needed" stops the marketplace's clock and takes the message out of the response
 * rate, so it is never one click: the agent picks a reason, reads what will happen, and confirms
 * a message that seems to ask something.
 */
export function NoResponseDialog({ containsQuestion, pending, error, onConfirm, onCancel }: NoResponseDialogProps) {
  const { t } = useTranslation();
  const id = useId();
  const [reason, setReason] = useState<NoResponseReason | null>(null);
  const [note, setNote] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const missing = !reason
    ? t('noResponse.needReason')
    : reason === 'other' && !note.trim()
      ? t('noResponse.needNote')
      : containsQuestion && !confirmed
        ? t('noResponse.needConfirm')
        : null;

  return (
    <div className="no-response" role="group" aria-labelledby={`${id}-title`} data-testid="no-response-dialog">
      <div className="no-response__title" id={`${id}-title`}>
        {t('noResponse.title')}
      </div>
      <ul className="no-response__effects" aria-label={t('noResponse.effectsTitle')}>
        <li>{t('noResponse.effectClock')}</li>
        <li>{t('noResponse.effectRate')}</li>
        <li>{t('noResponse.effectUndo')}</li>
      </ul>
      {containsQuestion ? (
        <div className="no-response__question" role="note" data-testid="no-response-question">
          <strong>{t('noResponse.questionWarning')}</strong>
          <label className="no-response__check">
            <input type="checkbox" checked={confirmed} data-testid="no-response-confirm" onChange={(e) => setConfirmed(e.target.checked)} />
            {t('noResponse.questionConfirm')}
          </label>
        </div>
      ) : null}
      <fieldset className="no-response__reasons">
        <legend>{t('noResponse.reasonLabel')}</legend>
        {NO_RESPONSE_REASONS.map((r) => (
          <label key={r} className="no-response__reason">
            <input type="radio" name={`${id}-reason`} value={r} checked={reason === r} data-testid={`no-response-reason-${r}`} onChange={() => setReason(r)} />
            {t(`noResponse.reason.${r}`)}
          </label>
        ))}
      </fieldset>
      {reason === 'other' ? (
        <label className="no-response__note">
          <span>{t('noResponse.noteLabel')}</span>
          <input type="text" maxLength={500} value={note} data-testid="no-response-note" onChange={(e) => setNote(e.target.value)} />
        </label>
      ) : null}
      <div className="no-response__actions">
        <button
          type="button"
          className="btn btn--primary btn--sm"
          data-testid="no-response-submit"
          disabled={missing !== null || pending}
          aria-describedby={missing ? `${id}-missing` : undefined}
          onClick={() => reason && onConfirm({ reason, note: reason === 'other' ? note.trim() : null, confirm_question: containsQuestion && confirmed })}
        >
          {t('noResponse.submit')}
        </button>
        <button type="button" className="btn btn--sm" onClick={onCancel}>
          {t('form.cancel')}
        </button>
        {missing ? (
          <span className="muted" id={`${id}-missing`}>
            {missing}
          </span>
        ) : null}
      </div>
      {error ? <ErrorNotice error={error} /> : null}
    </div>
  );
}
