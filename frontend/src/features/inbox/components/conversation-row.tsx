import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { CountdownBadge } from '@/components/countdown-badge';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { RISK_LABELS } from '@/lib/enums';
import { formatListTime } from '@/lib/format';
import { readSla } from '@/lib/sla-fields';
import type { ConversationRow as Row } from '../api/get-conversations';

interface ConversationRowProps {
  conversation: Row;
  assigneeName: string | null;
  storeName: string | null;
  selected: boolean;
  focused: boolean;
  nowMs: number;
  onOpen: (id: string) => void;
  /** Multi-select for bulk actions: the row's checkbox, when the list offers one. */
  checked?: boolean;
  onToggle?: (id: string) => void;
}

/** One inbox line: who, where, what, who owns it, and how long is left. Memoised: 10k rows scroll. */
export const ConversationRow = memo(function ConversationRow({
  conversation: c,
  assigneeName,
  storeName,
  selected,
  focused,
  nowMs,
  onOpen,
  checked = false,
  onToggle,
}: ConversationRowProps) {
  const { t, i18n } = useTranslation();
  const sla = readSla(c);
  const buyer = c.customer?.display_name || t('inbox.unknownBuyer');
  const risks = RISK_LABELS.filter((label) => c.labels.includes(label));
  const classes = ['row', c.unread && 'row--unread', selected && 'row--selected', focused && 'row--focused']
    .concat(checked ? ['row--checked'] : [])
    .filter(Boolean)
    .join(' ');
  return (
    // The row is a list item; its buyer name is a real link, so Tab reaches every row and Enter opens
    // it (a row with role="option" could not hold the bulk-select checkbox). A click anywhere opens too.
    <div
      className={classes}
      role="listitem"
      data-testid="conversation-row"
      data-conversation-id={c.id}
      data-focused={focused || undefined}
      onClick={() => onOpen(c.id)}
    >
      <div className="row__line">
        {onToggle ? (
          <input
            type="checkbox"
            className="row__check"
            checked={checked}
            aria-label={t('bulk.selectRow', { buyer })}
            data-testid="row-check"
            onClick={(event) => event.stopPropagation()}
            onChange={() => onToggle(c.id)}
          />
        ) : null}
        {c.unread ? <span className="row__unread-dot" role="img" aria-label={t('inbox.unread')} /> : null}
        <MarketplaceBadge marketplace={c.marketplace} />
        <a
          className="row__buyer"
          href={`/inbox/${c.id}`}
          title={storeName ?? undefined}
          aria-current={selected ? 'page' : undefined}
          aria-describedby={`row-subject-${c.id}`}
          data-testid="row-open"
          onClick={(event) => {
            // Plain clicks stay in the SPA; Ctrl/⌘-click still opens a new tab.
            if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
            event.preventDefault();
            event.stopPropagation();
            onOpen(c.id);
          }}
        >
          {buyer}
        </a>
        <span className="row__spacer" />
        <CountdownBadge deadline={sla.deadline} state={sla.state} dueSoonAt={sla.dueSoonAt} />
        <time className="row__time" dateTime={c.last_message_at}>
          {formatListTime(c.last_message_at, nowMs, i18n.language)}
        </time>
      </div>
      <div className="row__subject" id={`row-subject-${c.id}`}>
        {c.order_id ? <span className="row__order">#{c.order_id}</span> : null}
        {c.subject || t('inbox.noSubject')}
      </div>
      <div className="row__line row__line--meta">
        <span className="row__preview">{c.last_message_preview}</span>
        {c.has_failed_delivery ? (
          <span className="tag tag--danger" data-testid="row-failure" data-reason={c.failure?.reason ?? ''}>
            {c.failure ? `${t('inbox.failed')}: ${t(`failure.reason.${c.failure.reason}`)}` : t('inbox.failed')}
          </span>
        ) : null}
        {c.spam_reason ? <span className="tag tag--muted">{t(`spamReason.${c.spam_reason}`)}</span> : null}
        {risks.map((label) => (
          <span key={label} className="tag tag--danger" data-testid="risk-label">
            {t(`riskLabel.${label}`)}
          </span>
        ))}
        {c.priority === 'high' || c.priority === 'urgent' ? (
          <span className={`tag tag--${c.priority}`}>{t(`priority.${c.priority}`)}</span>
        ) : null}
        <span className={`row__assignee${assigneeName ? '' : ' is-empty'}`}>{assigneeName ?? t('inbox.unassigned')}</span>
      </div>
    </div>
  );
});
