import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { OrderedRulesTable } from '@/components/ordered-rules-table';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { queryKeys } from '@/lib/query-keys';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { useChannelNames } from '@/hooks/use-directory';
import { formatDuration } from '@/lib/duration';
import { usePolicies, useReorderPolicies, useTogglePolicy, type Policy } from '../api/sla';
import { firesAfterSeconds, tierToDraft } from '../lib/tiers';
import { PolicyDialog } from './policy-dialog';
import { policyName, policySource } from '@/lib/explain-wording';

/** SLA policies in the order they are tried, with their targets and escalation ladders. */
export function PoliciesPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const policies = usePolicies();
  const toggle = useTogglePolicy();
  const reorder = useReorderPolicies();
  const [editing, setEditing] = useState<Policy | 'new' | null>(null);
  const rows = [...(policies.data ?? [])].sort((a, b) => a.position - b.position);
  const firstPosition = rows.length ? Math.max(0, Math.min(...rows.map((p) => p.position)) - 1) : 1;
  return (
    <section className="settings-page" data-testid="settings-sla">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.sla')}</h2>
          <p className="muted">{t('sla.intro')}</p>
        </div>
        {canEdit ? (
          <button type="button" className="btn btn--primary btn--sm" onClick={() => setEditing('new')} data-testid="new-policy">
            {t('sla.newPolicy')}
          </button>
        ) : null}
      </header>
      {policies.error ? <ErrorNotice error={policies.error} /> : null}
      {toggle.error ? <ErrorNotice error={toggle.error} /> : null}
      {reorder.error ? <ErrorNotice error={reorder.error} /> : null}
      {policies.isLoading ? (
        <Spinner />
      ) : (
        <OrderedRulesTable
          rows={rows}
          canEdit={canEdit}
          rowTestId="policy-row"
          rowAttributes={(p) => ({ 'data-policy-id': p.id })}
          onToggle={(p, v) => toggle.mutate({ id: p.id, isActive: v })}
          toggleLocked={(p) => p.builtin_key === 'default'}
          onEdit={setEditing}
          onMove={(moves) => reorder.mutate(moves)}
          deletion={{ kind: 'policy', invalidate: queryKeys.sla.policies, testId: 'delete-policy' }}
          columns={[
            {
              header: t('settings.name'),
              cell: (p) => (
                <>
                  <div className="cell-title">
                    <strong data-testid="policy-name-cell">{policyName(t, p)}</strong>
                  </div>
                  <div className="cell-sub muted" title={policySource(t, p)}>
                    {p.builtin_key ? t('sla.builtin') : t('sla.custom')} · v{p.version}
                  </div>
                </>
              ),
            },
            { header: t('sla.appliesTo'), cell: (p) => <PolicyScope policy={p} /> },
            { header: t('sla.targets'), className: 'nowrap', cell: (p) => <PolicyTargets policy={p} /> },
            { header: t('sla.tiers.title'), cell: (p) => <PolicyLadder policy={p} /> },
          ]}
        />
      )}
      {editing ? <PolicyDialog policy={editing === 'new' ? null : editing} defaultPosition={firstPosition} onClose={() => setEditing(null)} /> : null}
    </section>
  );
}

function PolicyScope({ policy: p }: { policy: Policy }) {
  const { t } = useTranslation();
  const channelNames = useChannelNames();
  const c = p.conditions;
  const chips: ReactNode[] = [
    ...(c['marketplaces'] ?? []).map((m) => <MarketplaceBadge key={`m${m}`} marketplace={m} />),
    ...(c['channel_ids'] ?? []).map((id) => (
      <span key={`c${id}`} className="tag tag--muted">
        {channelNames.get(id) ?? id.slice(0, 8)}
      </span>
    )),
    ...(c['categories'] ?? []).map((x) => (
      <span key={`k${x}`} className="tag tag--muted">
        {t(`category.${x}`, { defaultValue: x })}
      </span>
    )),
    ...(c['priorities'] ?? []).map((x) => (
      <span key={`p${x}`} className="tag tag--muted">
        {t(`priority.${x}`, { defaultValue: x })}
      </span>
    )),
    ...(c['customer_tiers'] ?? []).map((x) => (
      <span key={`t${x}`} className="tag tag--muted">
        {t(`customer.tier.${x}`, { defaultValue: x })}
      </span>
    )),
    ...(c['labels_any'] ?? []).map((x) => (
      <span key={`l${x}`} className="chip">
        {x}
      </span>
    )),
  ];
  return <div className="tag-list">{chips.length ? chips : <span className="muted">{t('sla.everything')}</span>}</div>;
}

function PolicyTargets({ policy: p }: { policy: Policy }) {
  const { t } = useTranslation();
  const units = { d: t('units.d'), h: t('units.h'), min: t('units.min'), s: t('units.s') };
  const d = (s: number | null) => (s === null ? '—' : formatDuration(s, units));
  return (
    <>
      <div>
        {t('sla.firstShort')} <strong>{d(p.first_response_seconds)}</strong>
        {p.next_response_seconds !== null ? (
          <>
            {' '}
            · {t('sla.nextShort')} {d(p.next_response_seconds)}
          </>
        ) : null}
      </div>
      {p.internal_first_response_seconds || p.internal_resolution_seconds ? (
        <div className="cell-sub muted">
          {t('sla.internalShort')} {d(p.internal_first_response_seconds)} / {d(p.internal_resolution_seconds)}
          {p.pause_while_pending ? ` · ${t('sla.pausesShort')}` : ''}
        </div>
      ) : null}
      {p.automation_counts ? <div className="cell-sub muted">{t('sla.automationCounts')}</div> : null}
    </>
  );
}

function PolicyLadder({ policy: p }: { policy: Policy }) {
  const { t } = useTranslation();
  const units = { d: t('units.d'), h: t('units.h'), min: t('units.min'), s: t('units.s') };
  const d = (s: number | null) => (s === null ? '—' : formatDuration(s, units));
  const ladder = p.tiers
    .map((x) => tierToDraft(x as Record<string, unknown>))
    .map((x) => ({ action: x.action, at: firesAfterSeconds(x, p.first_response_seconds) }))
    .sort((a, b) => a.at - b.at);
  return (
    <ol className="ladder">
      {ladder.map((x, i) => (
        <li key={i} title={t(`sla.action.${x.action}`)}>
          <span className={`ladder__dot ladder__dot--${x.action}`} />
          {d(x.at)} <span className="muted">{t(`sla.actionShort.${x.action}`)}</span>
        </li>
      ))}
    </ol>
  );
}
