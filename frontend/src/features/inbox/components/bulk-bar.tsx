import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { useMe, useUsers } from '@/hooks/use-directory';
import { PRIORITIES, SPAM_REASONS, STATUSES } from '@/lib/enums';
import { BULK_LIMIT, useCreateBulkJob, useMacroOptions, useTemplateOptions, type BulkAction, type BulkFilter } from '../api/bulk';
import { templateName } from '@/lib/explain-wording';

const KINDS = ['send_template', 'assign', 'set_status', 'set_priority', 'add_labels', 'remove_labels', 'flag_spam', 'open_case', 'retry_failed', 'apply_macro'] as const;
type Kind = (typeof KINDS)[number];
type CaseKind = Extract<BulkAction, { kind: 'open_case' }>['case_kind'];
const CASE_KINDS: readonly CaseKind[] = ['return', 'refund', 'replacement', 'reship', 'cancellation', 'claim'];

interface BulkBarProps {
  /** The checked rows, or everything the current filters match. */
  selection: { ids: string[] } | { filter: BulkFilter };
  /** How many conversations the selection holds, when known (the filter's count is capped). */
  count: number | null;
  onClear: () => void;
  onStarted: (jobId: string) => void;
}

function labelsOf(text: string): string[] {
  return [...new Set(text.split(',').map((l) => l.trim()).filter(Boolean))];
}

/** The action bar over a multi-selection: one action, applied to each conversation by a server job. */
export function BulkBar({ selection, count, onClear, onStarted }: BulkBarProps) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<Kind>('send_template');
  const [value, setValue] = useState('');
  const templates = useTemplateOptions(kind === 'send_template');
  const macros = useMacroOptions(kind === 'apply_macro');
  const users = useUsers();
  const me = useMe();
  const create = useCreateBulkJob();

  const action = ((): BulkAction | null => {
    switch (kind) {
      case 'send_template':
        return value ? { kind, template_id: value } : null;
      case 'assign':
        if (!value) return null;
        return { kind, assignee_id: value === 'none' ? null : value === 'me' ? (me.data?.user?.id ?? null) : value };
      case 'set_status':
        return STATUSES.find((s) => s === value) ? { kind, status: value as (typeof STATUSES)[number] } : null;
      case 'set_priority':
        return PRIORITIES.find((p) => p === value) ? { kind, priority: value as (typeof PRIORITIES)[number] } : null;
      case 'add_labels':
      case 'remove_labels':
        return labelsOf(value).length ? { kind, labels: labelsOf(value) } : null;
      case 'flag_spam':
        return SPAM_REASONS.find((r) => r === value) ? { kind, reason: value as (typeof SPAM_REASONS)[number] } : null;
      case 'open_case': {
        const caseKind = CASE_KINDS.find((k) => k === value);
        return caseKind ? { kind, case_kind: caseKind, reason: '' } : null;
      }
      case 'retry_failed':
        return { kind };
      case 'apply_macro':
        return value ? { kind, macro_id: value } : null;
    }
  })();
  const tooMany = count !== null && count > BULK_LIMIT;

  const apply = () => {
    if (!action) return;
    const body = 'ids' in selection ? { conversation_ids: selection.ids, action } : { filter: selection.filter, action };
    create.mutate(body, { onSuccess: (job) => onStarted(job.id) });
  };

  const options = (): Array<[string, string]> => {
    switch (kind) {
      case 'send_template':
        return (templates.data ?? []).map((tpl) => [tpl.id, `${templateName(t, tpl)} (${tpl.language})`]);
      case 'assign':
        return [
          ['me', t('bulk.toMe')],
          ['none', t('bulk.unassign')],
          ...(users.data ?? []).filter((u) => u.is_active).map((u): [string, string] => [u.id, u.name]),
        ];
      case 'set_status':
        return STATUSES.map((s) => [s, t(`status.${s}`)]);
      case 'set_priority':
        return PRIORITIES.map((p) => [p, t(`priority.${p}`)]);
      case 'flag_spam':
        return SPAM_REASONS.map((r) => [r, t(`spamReason.${r}`)]);
      case 'open_case':
        return CASE_KINDS.map((k) => [k, t(`cases.kind.${k}`)]);
      case 'apply_macro':
        return (macros.data ?? []).map((m) => [m.id, m.name]);
      default:
        return [];
    }
  };

  return (
    <div className="bulk-bar" role="region" aria-label={t('bulk.title')} data-testid="bulk-bar">
      <div className="bulk-bar__line">
        <strong data-testid="bulk-count">
          {'ids' in selection
            ? t('bulk.selected', { count: selection.ids.length })
            : count !== null && count <= BULK_LIMIT
              ? t('bulk.allMatching', { count })
              : t('bulk.allMatchingMany', { limit: BULK_LIMIT.toLocaleString() })}
        </strong>
        <button type="button" className="btn btn--ghost btn--sm" onClick={onClear}>
          {t('bulk.clear')}
        </button>
      </div>
      <div className="bulk-bar__line">
        <select
          aria-label={t('bulk.action')}
          data-testid="bulk-action"
          value={kind}
          onChange={(event) => {
            setKind(event.target.value as Kind);
            setValue('');
          }}
        >
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`bulk.kind.${k}`)}
            </option>
          ))}
        </select>
        {kind === 'retry_failed' ? null : kind === 'add_labels' || kind === 'remove_labels' ? (
          <input
            aria-label={t('bulk.labels')}
            placeholder={t('bulk.labelsHint')}
            data-testid="bulk-value"
            value={value}
            onChange={(event) => setValue(event.target.value)}
          />
        ) : (
          <select aria-label={t('bulk.value')} data-testid="bulk-value" value={value} onChange={(event) => setValue(event.target.value)}>
            <option value="">{t('bulk.choose')}</option>
            {options().map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        )}
        <button
          type="button"
          className="btn btn--primary btn--sm"
          data-testid="bulk-apply"
          disabled={!action || tooMany || create.isPending}
          onClick={apply}
        >
          {t('bulk.apply')}
        </button>
      </div>
      {kind === 'send_template' ? <p className="bulk-bar__hint">{t('bulk.templateHint')}</p> : null}
      {kind === 'open_case' ? <p className="bulk-bar__hint">{t('bulk.openCaseHint')}</p> : null}
      {kind === 'retry_failed' ? <p className="bulk-bar__hint">{t('failure.bulkHint')}</p> : null}
      {kind === 'apply_macro' ? <p className="bulk-bar__hint">{t('bulk.macroHint')}</p> : null}
      {tooMany ? <p className="bulk-bar__hint is-error">{t('bulk.tooMany', { limit: BULK_LIMIT.toLocaleString() })}</p> : null}
      {create.isError ? <ErrorNotice error={create.error} /> : null}
    </div>
  );
}
