import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormProblem } from '@/components/form';
import { useServerNow } from '@/hooks/use-server-now';
import { formatDateTime, formatMoney, formatRelative } from '@/lib/format';
import { useCase, useTransitionCase, type Case, type CaseState } from '../api/cases';
import { deadlineOf, orderTransitions, stateTone } from '../lib/case-view';
import { CaseAttachments } from './case-attachments';

/** One case in the conversation's side panel: state, deadline, files, the allowed steps, history, follow-up. */
export function CaseCard({ item, canEdit }: { item: Case; canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const now = useServerNow();
  const [showHistory, setShowHistory] = useState(false);
  const [reason, setReason] = useState('');
  const transition = useTransitionCase();
  const detail = useCase(showHistory ? item.id : null);
  const deadline = deadlineOf(item, now);
  const allowed = item.allowed_transitions ?? [];

  const move = (to: CaseState) =>
    transition.mutate({ id: item.id, to, reason }, { onSuccess: () => setReason('') });

  return (
    <div className="case-card" data-testid="case-card" data-case-id={item.id} data-state={item.state}>
      <div className="case-card__head">
        <strong>{t(`cases.kind.${item.kind}`)}</strong>
        <span className={`tag tag--${stateTone(item.state)}`} data-testid="case-state">
          {t(`cases.state.${item.state}`)}
        </span>
      </div>
      <div className="case-card__meta muted">
        {item.amount ? <span>{formatMoney(item.amount, item.currency, i18n.language)}</span> : null}
        {item.marketplace_case_id ? <span className="mono">{item.marketplace_case_id}</span> : null}
        <span>{t('cases.opened', { when: formatRelative(item.created_at, now, i18n.language) })}</span>
      </div>
      {deadline.at ? (
        <div className={deadline.overdue ? 'case-card__due is-overdue' : 'case-card__due'} data-testid="case-deadline">
          {deadline.overdue ? t('cases.overdue') : t('cases.dueBy', { time: formatDateTime(deadline.at, i18n.language) })}
        </div>
      ) : null}
      {item.marketplace_deadline ? (
        <div className="muted">{t('cases.marketplaceDeadline', { time: formatDateTime(item.marketplace_deadline, i18n.language) })}</div>
      ) : null}
      {item.items.length > 0 ? (
        <ul className="order-items">
          {item.items.map((line, i) => (
            <li key={`${line.sku ?? line.item_id ?? i}`}>
              <span className="order-items__qty">{line.quantity}×</span>
              <span className="order-items__title">{line.title ?? line.sku ?? line.item_id}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {item.reason ? <div className="case-card__reason">{item.reason}</div> : null}
      <CaseAttachments item={item} canEdit={canEdit} />
      {item.state === 'closed' && item.followup_state !== 'none' ? (
        <div className={`case-card__followup followup--${item.followup_state}`} data-testid="case-followup">
          <strong>{t(`cases.followup.${item.followup_state}`)}</strong>
          {item.followup_reason ? <span className="muted"> · {item.followup_reason}</span> : null}
        </div>
      ) : null}
      {canEdit && allowed.length > 0 ? (
        <div className="case-card__actions">
          <input
            className="input input--sm"
            placeholder={t('cases.reasonPlaceholder')}
            value={reason}
            maxLength={4000}
            onChange={(e) => setReason(e.target.value)}
            data-testid="case-reason"
          />
          <div className="case-card__buttons">
            {orderTransitions(allowed).map((to) => (
              <button
                key={to}
                type="button"
                className={`btn btn--sm${to === 'closed' ? '' : ' btn--primary'}`}
                disabled={transition.isPending}
                onClick={() => move(to as CaseState)}
                data-testid={`case-to-${to}`}
              >
                {t(`cases.action.${to}`)}
              </button>
            ))}
          </div>
          {transition.error ? <FormProblem error={transition.error} /> : null}
        </div>
      ) : null}
      <button type="button" className="btn btn--ghost btn--sm" onClick={() => setShowHistory((v) => !v)} data-testid="case-history-toggle">
        {showHistory ? t('cases.hideHistory') : t('cases.showHistory')}
      </button>
      {showHistory && detail.data ? (
        <ol className="case-history" data-testid="case-history">
          {detail.data.history.map((h, i) => (
            <li key={i}>
              <span>{h.from_state ? `${t(`cases.state.${h.from_state}`)} → ` : ''}{t(`cases.state.${h.to_state}`)}</span>
              <span className="muted"> · {h.actor_name || t(`cases.actor.${h.actor_type}`)} · {formatDateTime(h.created_at, i18n.language)}</span>
              {h.reason ? <div className="case-history__reason">{h.reason}</div> : null}
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}
