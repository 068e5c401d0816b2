import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { OrderedRulesTable } from '@/components/ordered-rules-table';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { queryKeys } from '@/lib/query-keys';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { useServerNow } from '@/hooks/use-server-now';
import { useTeams, useUsers } from '@/hooks/use-directory';
import { formatRelative } from '@/lib/format';
import { useActionTemplates, useAutomationRuns, useAutoReplyRules, useReorderAutoReplyRules, useToggleAutoReplyRule, type AutoReplyRule } from '../api/automation';
import { actionToDraft } from '../lib/actions';
import { AutoReplyDialog } from './auto-reply-dialog';
import { runActions, runReason, templateName } from '@/lib/explain-wording';

/** Auto-reply rules and what they did: every firing and every suppression, with the reason. */
export function AutoRepliesPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const rules = useAutoReplyRules();
  const toggle = useToggleAutoReplyRule();
  const reorder = useReorderAutoReplyRules();
  const [editing, setEditing] = useState<AutoReplyRule | 'new' | null>(null);
  const list = [...(rules.data ?? [])].sort((a, b) => a.position - b.position);
  const nextPosition = list.length ? Math.min(100000, Math.max(...list.map((r) => r.position)) + 10) : 10;
  return (
    <section className="settings-page" data-testid="settings-auto-replies">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.autoReplies')}</h2>
          <p className="muted">{t('rules.autoIntro')}</p>
        </div>
        {canEdit ? (
          <button type="button" className="btn btn--primary btn--sm" onClick={() => setEditing('new')} data-testid="new-auto-reply">
            {t('rules.newAutoReply')}
          </button>
        ) : null}
      </header>
      {rules.error ? <ErrorNotice error={rules.error} /> : null}
      {toggle.error ? <ErrorNotice error={toggle.error} /> : null}
      {reorder.error ? <ErrorNotice error={reorder.error} /> : null}
      {rules.isLoading ? (
        <Spinner />
      ) : list.length === 0 ? (
        <p className="muted">{t('rules.noneYet')}</p>
      ) : (
        <OrderedRulesTable
          rows={list}
          canEdit={canEdit}
          rowTestId="auto-reply-row"
          rowAttributes={(r) => ({ 'data-rule-id': r.id })}
          onToggle={(r, v) => toggle.mutate({ id: r.id, isActive: v })}
          onEdit={setEditing}
          onMove={(moves) => reorder.mutate(moves)}
          deletion={{ kind: 'rule', invalidate: queryKeys.automation.rules, testId: 'delete-rule' }}
          columns={[
            {
              header: t('settings.name'),
              cell: (r) => (
                <>
                  <strong>{r.name}</strong>
                  {r.stop_after_match ? <div className="cell-sub muted">{t('rules.stopAfter')}</div> : null}
                </>
              ),
            },
            { header: t('rules.when'), cell: (r) => <ConditionSummary conditions={r.conditions} /> },
            { header: t('rules.then'), cell: (r) => <ActionList actions={r.actions} /> },
            {
              header: t('rules.guardrails'),
              className: 'muted nowrap',
              cell: (r) => (
                <>
                  {t('rules.cooldownShort', { minutes: r.cooldown_minutes })}
                  <br />
                  {t('rules.quietShort', { minutes: r.quiet_after_agent_minutes })}
                </>
              ),
            },
          ]}
        />
      )}
      <RunLog rules={list} />
      {editing ? <AutoReplyDialog rule={editing === 'new' ? null : editing} defaultPosition={nextPosition} onClose={() => setEditing(null)} /> : null}
    </section>
  );
}

export function ConditionSummary({ conditions }: { conditions: Record<string, unknown> }) {
  const { t } = useTranslation();
  const arr = (k: string) => (Array.isArray(conditions[k]) ? (conditions[k] as unknown[]).map(String) : []);
  const parts = [
    ...arr('keywords').map((k) => (
      <span key={`k${k}`} className="chip">
        {k}
      </span>
    )),
    ...arr('patterns').map((p) => (
      <code key={`p${p}`} className="tag tag--muted">
        /{p}/
      </code>
    )),
    ...arr('marketplaces').map((m) => <MarketplaceBadge key={`m${m}`} marketplace={m} />),
    ...arr('categories').map((c) => (
      <span key={`c${c}`} className="tag tag--muted">
        {t(`category.${c}`, { defaultValue: c })}
      </span>
    )),
    ...arr('languages').map((l) => (
      <span key={`l${l}`} className="tag tag--muted">
        {t(`templates.lang.${l}`, { defaultValue: l })}
      </span>
    )),
    ...arr('customer_tiers').map((x) => (
      <span key={`t${x}`} className="tag tag--muted">
        {t(`customer.tier.${x}`, { defaultValue: x })}
      </span>
    )),
    ...(arr('channel_ids').length ? [<span key="ch" className="tag tag--muted">{t('rules.stores', { count: arr('channel_ids').length })}</span>] : []),
    ...(conditions['outside_business_hours'] === true ? [<span key="obh" className="tag tag--high">{t('rules.outsideHours')}</span>] : []),
    ...(conditions['on_holiday'] === true ? [<span key="hol" className="tag tag--high">{t('rules.onHoliday')}</span>] : []),
    ...(conditions['first_message_only'] === true ? [<span key="first" className="tag tag--muted">{t('rules.firstOnly')}</span>] : []),
  ];
  return <div className="tag-list">{parts.length ? parts : <span className="muted">{t('rules.everyMessage')}</span>}</div>;
}

/** What a rule does, in words, with the names of the templates, people and teams it names. */
function ActionList({ actions }: { actions: AutoReplyRule['actions'] }) {
  const { t } = useTranslation();
  const templates = useActionTemplates();
  const users = useUsers();
  const teams = useTeams();
  const tplName = (id: string) => {
    const found = templates.data?.find((x) => x.id === id);
    return found ? templateName(t, found) : id.slice(0, 8);
  };
  const userName = (id: string) => users.data?.find((u) => u.id === id)?.name ?? id.slice(0, 8);
  const teamName = (id: string) => teams.data?.find((x) => x.id === id)?.name ?? id.slice(0, 8);
  const describe = (raw: Record<string, unknown>) => {
    const a = actionToDraft(raw);
    switch (a.type) {
      case 'send_template':
        return t('rules.do.send_template', { name: tplName(a.templateId) });
      case 'add_label':
        return t('rules.do.add_label', { label: a.label });
      case 'set_priority':
        return t('rules.do.set_priority', { priority: t(`priority.${a.priority}`) });
      case 'assign':
        return t('rules.do.assign', { who: [a.userId && userName(a.userId), a.teamId && teamName(a.teamId)].filter(Boolean).join(' / ') });
      case 'remind':
        return t('rules.do.remind', { minutes: a.afterMinutes });
    }
  };
  return (
    <ol className="plain-list">
      {actions.map((a, i) => (
        <li key={i}>{describe(a)}</li>
      ))}
    </ol>
  );
}

function RunLog({ rules }: { rules: AutoReplyRule[] }) {
  const { t, i18n } = useTranslation();
  const [ruleId, setRuleId] = useState('');
  const runs = useAutomationRuns(ruleId || null);
  const now = useServerNow();
  const templates = useActionTemplates();
  const names = new Map(rules.map((r) => [r.id, r.name]));
  const templateNames = new Map((templates.data ?? []).map((x) => [x.id, `“${templateName(t, x)}”`]));
  // "sent template 5da3…" reads better with the template's name.
  const done = (items: string[]) => items.map((d) => d.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, (id) => templateNames.get(id) ?? id.slice(0, 8))).join(', ');
  return (
    <section className="subsection" data-testid="automation-runs">
      <header className="subsection__head">
        <h3>{t('rules.runLog')}</h3>
        <select value={ruleId} aria-label={t('rules.filterRule')} onChange={(e) => setRuleId(e.target.value)}>
          <option value="">{t('rules.allRules')}</option>
          {rules.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </header>
      {runs.error ? <ErrorNotice error={runs.error} /> : null}
      {(runs.data ?? []).length === 0 ? (
        <p className="muted">{runs.isLoading ? t('common.loading') : t('rules.noRuns')}</p>
      ) : (
        <table className="table table--compact">
          <thead>
            <tr>
              {/* The log's "when" is a time, not the rule's conditions. */}
              <th>{t('rules.runWhen')}</th>
              <th>{t('rules.rule')}</th>
              <th>{t('rules.outcome')}</th>
              <th>{t('rules.reason')}</th>
              <th>{t('rules.done')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(runs.data ?? []).map((run) => (
              <tr key={run.id} data-testid="run-row" data-outcome={run.outcome}>
                <td className="nowrap" title={run.created_at}>
                  {formatRelative(run.created_at, now, i18n.language)}
                </td>
                <td>{names.get(run.rule_id) ?? run.rule_id.slice(0, 8)}</td>
                <td>
                  <span className={`tag ${run.outcome === 'fired' ? 'tag--ok' : 'tag--muted'}`}>{t(`rules.outcomes.${run.outcome}`)}</span>
                </td>
                <td className="run-reason" title={run.reason}>
                  {runReason(t, run.reason_detail) ?? run.reason}
                </td>
                <td className="muted">{runActions(t, run.reason_detail, (id) => {
                    const found = templates.data?.find((x) => x.id === id);
                    return found ? templateName(t, found) : undefined;
                  }) ?? (done(run.actions_done) || '—')}</td>
                <td>
                  <Link to={`/inbox/${run.conversation_id}`}>{t('rules.openConversation')}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
