import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ExportButton } from '@/components/export-button';
import { EmptyState, ErrorNotice, Spinner } from '@/components/feedback';
import { useUserNames, useUsers } from '@/hooks/use-directory';
import { formatDateTime } from '@/lib/format';
import { fieldErrorsOf } from '@/lib/field-errors';
import { dayBounds, useAuditLog, type AuditEntry, type AuditFilters } from '../api/audit';
import { actionKey, AUDIT_AREAS, TARGET_TYPES } from '../lib/audit-actions';

const ACTOR_TYPES = ['user', 'api_key', 'system', 'automation'] as const;

/** The organization's audit log (supervisors and admins): who did what, filtered, newest first by default. */
export function AuditLogPage() {
  const { t, i18n } = useTranslation();
  const [filters, setFilters] = useState<AuditFilters>({ order: 'desc' });
  const [targetType, setTargetType] = useState('');
  const [targetId, setTargetId] = useState('');
  const log = useAuditLog(filters);
  const users = useUsers();
  const names = useUserNames();
  const set = (patch: Partial<AuditFilters>) => setFilters((f) => ({ ...f, ...patch }));
  const applyTarget = (type: string, id: string) => {
    setTargetType(type);
    setTargetId(id);
    set({ target: type ? (id.trim() ? `${type}:${id.trim()}` : type) : undefined });
  };
  const describe = (entry: AuditEntry) => {
    const key = actionKey(entry.action, (k) => i18n.exists(k));
    return key ? t(key) : entry.action;
  };
  const actor = (entry: AuditEntry) => {
    if (entry.actor_type === 'user' && entry.actor_id) return names.get(entry.actor_id) ?? entry.actor_id;
    return t(`audit.actorTypes.${entry.actor_type}`, { defaultValue: entry.actor_type });
  };
  const rangeErrors = fieldErrorsOf(log.error);
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  const bounds = dayBounds(filters);
  const exportFilter = {
    ...(filters.actor_type ? { actor_type: filters.actor_type } : {}),
    ...(filters.actor_id ? { actor_id: filters.actor_id } : {}),
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.target ? { target: filters.target } : {}),
  };

  return (
    <section className="settings-page audit-log" data-testid="audit-log">
      <header className="settings-page__head">
        <div>
          <h2>{t('audit.title')}</h2>
          <p className="muted">{t('audit.intro')}</p>
        </div>
        <ExportButton
          request={{ kind: 'audit', audit_filter: exportFilter, ...(bounds.from ? { from: bounds.from } : {}), ...(bounds.to ? { to: bounds.to } : {}) }}
          testId="audit-export"
        />
      </header>
      <form className="audit-filters" aria-label={t('audit.filters')} onSubmit={(e) => e.preventDefault()}>
        <label className="ffield">
          <span className="ffield__label">{t('audit.actorType')}</span>
          <select className="input input--sm" value={filters.actor_type ?? ''} onChange={(e) => set({ actor_type: (e.target.value || undefined) as AuditFilters['actor_type'] })} data-testid="audit-actor-type">
            <option value="">{t('filters.any')}</option>
            {ACTOR_TYPES.map((a) => (
              <option key={a} value={a}>
                {t(`audit.actorTypes.${a}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="ffield">
          <span className="ffield__label">{t('audit.person')}</span>
          <select className="input input--sm" value={filters.actor_id ?? ''} onChange={(e) => set({ actor_id: e.target.value || undefined })} data-testid="audit-actor">
            <option value="">{t('filters.any')}</option>
            {(users.data ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <label className="ffield">
          <span className="ffield__label">{t('audit.action')}</span>
          <select className="input input--sm" value={filters.action ?? ''} onChange={(e) => set({ action: e.target.value || undefined })} data-testid="audit-action">
            <option value="">{t('filters.any')}</option>
            {AUDIT_AREAS.map((area) => (
              <option key={area} value={`${area}.`}>
                {t(`audit.areas.${area}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="ffield">
          <span className="ffield__label">{t('audit.targetType')}</span>
          <select className="input input--sm" value={targetType} onChange={(e) => applyTarget(e.target.value, targetId)} data-testid="audit-target-type">
            <option value="">{t('filters.any')}</option>
            {TARGET_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`audit.targets.${type}`)}
              </option>
            ))}
          </select>
        </label>
        {targetType ? (
          <label className="ffield">
            <span className="ffield__label">{t('audit.targetId')}</span>
            <input className="input input--sm" value={targetId} maxLength={64} onChange={(e) => applyTarget(targetType, e.target.value)} data-testid="audit-target-id" />
          </label>
        ) : null}
        <label className="ffield">
          <span className="ffield__label">{t('audit.from')}</span>
          <input type="date" className="input input--sm" value={filters.from ?? ''} onChange={(e) => set({ from: e.target.value || undefined })} data-testid="audit-from" />
        </label>
        <label className="ffield">
          <span className="ffield__label">{t('audit.to')}</span>
          <input type="date" className="input input--sm" value={filters.to ?? ''} onChange={(e) => set({ to: e.target.value || undefined })} data-testid="audit-to" />
        </label>
        <label className="ffield">
          <span className="ffield__label">{t('audit.order')}</span>
          <select className="input input--sm" value={filters.order} onChange={(e) => set({ order: e.target.value as AuditFilters['order'] })} data-testid="audit-order">
            <option value="desc">{t('audit.newestFirst')}</option>
            <option value="asc">{t('audit.oldestFirst')}</option>
          </select>
        </label>
      </form>
      {rangeErrors.size > 0 ? (
        <p className="ffield__error" role="alert" data-testid="audit-range-error">
          {t('audit.rangeTooLong')} ({[...rangeErrors.values()].flat().join('; ')})
        </p>
      ) : log.error ? (
        <ErrorNotice error={log.error} />
      ) : null}
      {log.isLoading ? <Spinner /> : null}
      {log.data && items.length === 0 ? <EmptyState title={t('audit.empty')} /> : null}
      {items.length > 0 ? (
        <div className="table-scroll">
          <table className="table" aria-label={t('audit.title')} data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.when')}</th>
                <th scope="col">{t('audit.who')}</th>
                <th scope="col">{t('audit.what')}</th>
                <th scope="col">{t('audit.target')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((entry) => (
                <tr key={entry.id} data-testid="audit-row" data-action={entry.action}>
                  <td>{formatDateTime(entry.created_at, i18n.language)}</td>
                  <td>{actor(entry)}</td>
                  <td title={entry.action}>{describe(entry)}</td>
                  <td className="audit-log__target">
                    {t(`audit.targets.${entry.entity_type}`, { defaultValue: entry.entity_type })}
                    {entry.entity_id ? <code> {entry.entity_id}</code> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {log.hasNextPage ? (
        <button type="button" className="btn btn--sm" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage} data-testid="audit-more">
          {log.isFetchingNextPage ? t('common.loading') : t('audit.more')}
        </button>
      ) : null}
    </section>
  );
}
