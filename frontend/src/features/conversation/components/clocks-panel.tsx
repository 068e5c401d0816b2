import { useTranslation } from 'react-i18next';
import { CountdownBadge } from '@/components/countdown-badge';
import { clockReason, policyName } from '@/lib/explain-wording';
import { formatDateTime } from '@/lib/format';
import { readClocks, readSla } from '@/lib/sla-fields';
import type { ConversationDetail } from '../api/get-conversation';

const KNOWN_KINDS = [
  'marketplace_first_response',
  'marketplace_next_response',
  'internal_first_response',
  'internal_next_response',
  'internal_resolution',
];

/**
 * Both clocks of a conversation: the marketplace's own deadline and the team's internal target. Hidden while
 * the API sends no clocks; with only the summary fields, the one earliest deadline is shown.
 */
export function ClocksPanel({ conversation }: { conversation: ConversationDetail }) {
  const { t, i18n } = useTranslation();
  const clocks = readClocks(conversation);
  const summary = readSla(conversation);
  if (clocks === null && summary.deadline === null) return null;

  return (
    <section className="side-section" data-testid="clocks-panel">
      <h3 className="side-section__title">{t('sla.title')}</h3>
      {clocks === null || clocks.length === 0 ? (
        summary.deadline ? (
          <div className="clock">
            <span className="clock__kind">{t('sla.deadline')}</span>
            <CountdownBadge deadline={summary.deadline} state={summary.state} dueSoonAt={summary.dueSoonAt} />
          </div>
        ) : (
          <div className="muted">{t('sla.noClocks')}</div>
        )
      ) : (
        clocks.map((clock, i) => {
          const kind = KNOWN_KINDS.includes(clock.kind) ? t(`sla.kind.${clock.kind}`) : clock.kind;
          const counting = clock.phase === 'running' || clock.phase === 'breached';
          return (
            <div className="clock" key={`${clock.kind}-${i}`} data-testid="clock" data-phase={clock.phase}>
              <div className="clock__row">
                <span className="clock__kind">{kind}</span>
                {counting ? (
                  <CountdownBadge deadline={clock.deadline} state={clock.state} dueSoonAt={clock.dueSoonAt} label={kind} />
                ) : (
                  <span className={`tag tag--${clock.phase === 'met' ? 'ok' : 'muted'}`}>{t(`sla.phase.${clock.phase}`)}</span>
                )}
              </div>
              <div className="clock__meta">
                {clock.policyName ? (
                  <span>
                    {policyName(t, {
                      name: clock.policyName,
                      builtin_key: clock.reasonDetail?.builtin_key,
                      name_is_builtin: clock.reasonDetail?.name_is_builtin,
                    })}
                  </span>
                ) : null}
                {clock.deadline ? <span>{t('sla.dueAt', { time: formatDateTime(clock.deadline, i18n.language) })}</span> : null}
              </div>
              {clock.reason ? (
                <div className="clock__reason" data-testid="clock-reason">
                  {clockReason(t, clock.reasonDetail, clock.policyName) ?? clock.reason}
                </div>
              ) : null}
            </div>
          );
        })
      )}
    </section>
  );
}
