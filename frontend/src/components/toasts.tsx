import { useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { describeNotice } from '@/lib/notifications';
import { dismissToast, toastStore, type Toast } from '@/lib/toasts';

/** A notice's words in the language the UI shows now (the agent may switch after it arrived). */
function useToastText(toast: Toast): { title: string; body: string } {
  const { t, i18n } = useTranslation();
  if (!toast.notice) return { title: toast.title, body: toast.body };
  const text = describeNotice(toast.notice, t, i18n.language);
  return { title: text.title, body: [text.reference, text.detail].filter(Boolean).join(' — ') };
}

function ToastTitle({ toast }: { toast: Toast }) {
  const { title, body } = useToastText(toast);
  return (
    <>
      <div className="toast__title">{title}</div>
      {body ? <div className="toast__body">{body}</div> : null}
    </>
  );
}

export function Toasts({ onOpenConversation }: { onOpenConversation: (id: string) => void }) {
  const { t } = useTranslation();
  const toasts = useSyncExternalStore(toastStore.subscribe, toastStore.get, toastStore.get);
  // The live region stays in the page even when empty: screen readers announce what is added to a
  // region they already know, not a region that appears with its content.
  return (
    <div className="toasts" role="status" aria-live="polite" aria-label={t('notify.liveRegion')} data-testid="toast-region">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast--${toast.tone}`} data-testid="toast">
          <ToastTitle toast={toast} />
          <div className="toast__actions">
            {toast.conversationId ? (
              <button
                type="button"
                className="btn btn--sm"
                onClick={() => {
                  if (toast.conversationId) onOpenConversation(toast.conversationId);
                  dismissToast(toast.id);
                }}
              >
                {t('notify.open')}
              </button>
            ) : null}
            <button type="button" className="btn btn--ghost btn--sm" onClick={() => dismissToast(toast.id)}>
              {t('common.dismiss')}
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
