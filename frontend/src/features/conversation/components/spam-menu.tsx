import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { SPAM_REASONS } from '@/lib/enums';
import { useSpam } from '../api/spam';
import type { ConversationDetail } from '../api/get-conversation';

/**
 * Spam, Fraud or Inappropriate (the marketplaces' own flags). Order threads must be answered, so the server refuses them;
 * the button says why up front instead of failing after a click.
 */
export function SpamMenu({ conversation }: { conversation: ConversationDetail }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const spam = useSpam(conversation.id);

  if (conversation.spam_reason) {
    return (
      <div className="spam-menu">
        <button type="button" className="btn btn--sm" data-testid="unflag-spam" disabled={spam.isPending} onClick={() => spam.mutate(null)}>
          {t('actions.notSpam')}
        </button>
        {spam.error ? <ErrorNotice error={spam.error} /> : null}
      </div>
    );
  }

  const blocked = conversation.order_id !== null;
  return (
    <div className="spam-menu">
      <button
        type="button"
        className="btn btn--sm"
        data-testid="flag-spam"
        aria-expanded={open}
        disabled={blocked || spam.isPending}
        title={blocked ? t('actions.spamBlockedOrder') : t('actions.spamHint')}
        onClick={() => setOpen((v) => !v)}
      >
        {t('actions.spam')}
      </button>
      {open ? (
        <div className="menu" role="menu">
          {SPAM_REASONS.map((reason) => (
            <button
              key={reason}
              type="button"
              role="menuitem"
              className="menu__item"
              data-testid={`spam-reason-${reason}`}
              onClick={() => {
                setOpen(false);
                spam.mutate(reason);
              }}
            >
              {t(`spamReason.${reason}`)}
            </button>
          ))}
        </div>
      ) : null}
      {spam.error ? <ErrorNotice error={spam.error} /> : null}
    </div>
  );
}
