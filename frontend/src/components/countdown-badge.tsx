import { useTranslation } from 'react-i18next';
import { useServerNow } from '@/hooks/use-server-now';
import { formatDateTime } from '@/lib/format';
import { badgeTone, formatCountdown, parseDeadline, type SlaState } from '@/lib/sla-time';

interface CountdownBadgeProps {
  deadline: string | null;
  state: SlaState | null;
  dueSoonAt?: string | null;
  label?: string;
}

/** The live SLA countdown: hidden without a running deadline, otherwise ticking every second. */
export function CountdownBadge({ deadline, state, dueSoonAt = null, label }: CountdownBadgeProps) {
  const deadlineMs = parseDeadline(deadline);
  if (deadlineMs === null || state === 'none') return null;
  return (
    <TickingBadge
      deadlineMs={deadlineMs}
      dueSoonMs={parseDeadline(dueSoonAt)}
      deadline={deadline}
      state={state}
      label={label}
    />
  );
}

function TickingBadge({
  deadlineMs,
  dueSoonMs,
  deadline,
  state,
  label,
}: {
  deadlineMs: number;
  dueSoonMs: number | null;
  deadline: string | null;
  state: SlaState | null;
  label: string | undefined;
}) {
  const { t, i18n } = useTranslation();
  // useServerNow() is already corrected by the server-clock offset.
  const now = useServerNow();
  const remaining = deadlineMs - now;
  const tone = badgeTone(state, remaining, dueSoonMs === null ? null : dueSoonMs - now);
  if (tone === null) return null;
  const toneLabel = t(`sla.tone.${tone}`);
  return (
    <span
      className={`countdown countdown--${tone}`}
      data-testid="sla-countdown"
      data-tone={tone}
      title={`${label ? `${label} · ` : ''}${toneLabel} · ${t('sla.dueAt', { time: formatDateTime(deadline, i18n.language) })}`}
      aria-label={`${toneLabel} ${formatCountdown(remaining)}`}
    >
      <span className="countdown__dot" aria-hidden />
      {formatCountdown(remaining)}
    </span>
  );
}
