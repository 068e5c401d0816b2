import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { formatDateTime } from '@/lib/format';
import { readClocks } from '@/lib/sla-fields';
import { useSnooze } from '../api/snooze';
import type { ConversationDetail } from '../api/get-conversation';
import { presetTime, snoozeWarning, toLocalInput, type SnoozePreset } from '../lib/snooze';

type Choice = SnoozePreset | 'pick' | 'reply';
const PRESETS: SnoozePreset[] = ['oneHour', 'tomorrow', 'nextWeek'];

/**
 * Snooze until a time or until the buyer writes. Snoozing hides the conversation, it does not stop
 * its clocks: the menu says so when a deadline falls inside the snooze, before the agent confirms.
 */
export function SnoozeMenu({ conversation: c }: { conversation: ConversationDetail }) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState<Choice>('oneHour');
  const [picked, setPicked] = useState(() => toLocalInput(presetTime('tomorrow', new Date())));
  const snooze = useSnooze(c.id);

  if (c.snoozed) {
    return (
      <div className="snooze-menu" data-testid="snoozed">
        <span className="snooze-tag" data-testid="snoozed-until">
          {c.snoozed_until ? t('snooze.snoozedUntil', { time: formatDateTime(c.snoozed_until, i18n.language) }) : t('snooze.snoozedUntilReply')}
        </span>
        <button type="button" className="btn btn--sm" data-testid="unsnooze" disabled={snooze.isPending} onClick={() => snooze.mutate('wake')}>
          {t('snooze.wake')}
        </button>
        {snooze.error ? <ErrorNotice error={snooze.error} /> : null}
      </div>
    );
  }

  const until = choice === 'reply' ? null : choice === 'pick' ? (picked ? new Date(picked) : null) : presetTime(choice, new Date());
  const invalid = choice === 'pick' && (until === null || Number.isNaN(until.getTime()));
  const warning = invalid ? null : snoozeWarning(readClocks(c), until);
  const options: Choice[] = [...PRESETS, 'pick', 'reply'];

  return (
    <div className="snooze-menu">
      <button type="button" className="btn btn--sm" data-testid="snooze" aria-expanded={open} onClick={() => setOpen((v) => !v)}>
        {t('snooze.button')}
      </button>
      {open ? (
        <div className="menu menu--form" role="dialog" aria-label={t('snooze.title')} data-testid="snooze-dialog">
          <div className="menu__title">{t('snooze.title')}</div>
          {options.map((option) => (
            <label key={option} className="menu__option">
              <input
                type="radio"
                name={`snooze-${c.id}`}
                data-testid={`snooze-${option}`}
                checked={choice === option}
                onChange={() => setChoice(option)}
              />
              {t(`snooze.${option}`)}
              {option !== 'pick' && option !== 'reply' ? (
                <span className="muted"> · {formatDateTime(presetTime(option, new Date()).toISOString(), i18n.language)}</span>
              ) : null}
            </label>
          ))}
          {choice === 'pick' ? (
            <input
              type="datetime-local"
              data-testid="snooze-time"
              aria-label={t('snooze.pick')}
              value={picked}
              onChange={(e) => setPicked(e.target.value)}
            />
          ) : null}
          <p className="muted">{t('snooze.hint')}</p>
          {warning ? (
            <div className="notice notice--warn" role="alert" data-testid="snooze-warning">
              {t(warning.kind === 'inside' ? 'snooze.deadlineInside' : 'snooze.runningClock', {
                clock: t(`sla.kind.${warning.clock.kind}`),
                due: formatDateTime(warning.clock.deadline, i18n.language),
              })}
            </div>
          ) : null}
          <div className="menu__actions">
            <button type="button" className="btn btn--sm" onClick={() => setOpen(false)}>
              {t('snooze.cancel')}
            </button>
            <button
              type="button"
              className="btn btn--sm btn--primary"
              data-testid="snooze-confirm"
              disabled={invalid || snooze.isPending}
              onClick={() =>
                snooze.mutate({ until: until ? until.toISOString() : null }, { onSuccess: () => setOpen(false) })
              }
            >
              {t('snooze.confirm')}
            </button>
          </div>
        </div>
      ) : null}
      {snooze.error ? <ErrorNotice error={snooze.error} /> : null}
    </div>
  );
}
