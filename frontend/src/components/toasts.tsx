import { useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { dismissToast, toastStore } from '@/lib/toasts';

export function Toasts({ onOpenConversation }: { onOpenConversation: (id: string) => void }) {
  const { t } = useTranslation();
  const toasts = useSyncExternalStore(toastStore.subscribe, toastStore.get, toastStore.get);
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast--${toast.tone}`} data-testid="toast">
          <div className="toast__title">{toast.title}</div>
          {toast.body ? <div className="toast__body">{toast.body}</div> : null}
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
