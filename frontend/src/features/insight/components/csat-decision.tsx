import { useTranslation } from 'react-i18next';
import { formatDateTime } from '@/lib/format';
import { useConversationCsat } from '../api/insight';

/** The CSAT decision taken when the conversation was resolved: allowed (and what became of the
 * question) or refused, with the rule's reason and source. Nothing when none was taken. */
export function CsatDecision({ conversationId, status }: { conversationId: string; status: string }) {
  const { t, i18n } = useTranslation();
  const decisions = useConversationCsat(conversationId, status);
  const latest = decisions.data?.[0];
  if (!latest) return null;
  return (
    <section className="panel" data-testid="csat-decision" data-state={latest.state}>
      <h3>{t('insight.decision.title')}</h3>
      <p data-testid="csat-decision-state">
        <strong>{t(`insight.decision.state.${latest.state as 'sent'}`)}</strong>
        {latest.form ? ` · ${t(`insight.decision.form.${latest.form as 'in_thread'}`)}` : null}
        {latest.score ? ` · ${t('insight.decision.score', { score: latest.score })}` : null}
      </p>
      {latest.state === 'scheduled' && latest.due_at ? <p>{t('insight.decision.due', { time: formatDateTime(latest.due_at, i18n.language) })}</p> : null}
      <p className="muted" data-testid="csat-decision-reason">
        {latest.reason}
      </p>
      <p className="muted">{t('insight.decision.source', { source: latest.source })}</p>
    </section>
  );
}
