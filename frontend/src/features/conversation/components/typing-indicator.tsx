import { useTranslation } from 'react-i18next';
import { useMe } from '@/hooks/use-directory';
import { useTypists } from '@/hooks/use-realtime-state';

/** "Carlos Ruiz is typing…": a colleague is writing a reply in this conversation right now. */
export function TypingIndicator({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation();
  const me = useMe();
  const typists = useTypists(conversationId, me.data?.user?.id);
  const names = typists.map((p) => p.name || t('thread.agent'));
  // The live region stays mounted so screen readers announce the text when it appears.
  return (
    <div className="typing" aria-live="polite" data-testid="typing-indicator">
      {names.length > 0 ? (
        <span className="typing__text">
          <span className="typing__dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {t('typing.indicator', { count: names.length, names: names.join(', ') })}
        </span>
      ) : null}
    </div>
  );
}
