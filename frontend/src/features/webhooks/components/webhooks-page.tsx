import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { ConfirmButton, Dialog, SecretOnce } from '@/components/form';
import { useServerNow } from '@/hooks/use-server-now';
import { formatDateTime, formatRelative } from '@/lib/format';
import { useDeleteEndpoint, useEndpoints, useRotateSecret, useTestEndpoint, useUpdateEndpoint, type Endpoint } from '../api/webhooks';
import { DeliveryLog } from './delivery-log';
import { EndpointDialog } from './endpoint-dialog';

/** Outbound webhooks: endpoints, their health, a test call, secret rotation and the delivery log. */
export function WebhooksPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const endpoints = useEndpoints();
  const [editing, setEditing] = useState<Endpoint | 'new' | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const list = endpoints.data ?? [];
  const current = list.find((e) => e.id === selected) ?? list[0] ?? null;
  return (
    <section className="settings-page" data-testid="settings-webhooks">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.webhooks')}</h2>
          <p className="muted">{t('webhooks.intro')}</p>
        </div>
        {canEdit ? (
          <button type="button" className="btn btn--primary btn--sm" onClick={() => setEditing('new')} data-testid="new-webhook">
            {t('webhooks.new')}
          </button>
        ) : null}
      </header>
      {endpoints.error ? <ErrorNotice error={endpoints.error} /> : null}
      {endpoints.isLoading ? (
        <Spinner />
      ) : list.length === 0 ? (
        <p className="muted">{t('webhooks.none')}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('webhooks.url')}</th>
              <th>{t('webhooks.events')}</th>
              <th>{t('settings.statusCol')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((e) => (
              <EndpointRow key={e.id} endpoint={e} canEdit={canEdit} selected={current?.id === e.id} onSelect={() => setSelected(e.id)} onEdit={() => setEditing(e)} />
            ))}
          </tbody>
        </table>
      )}
      {current ? <DeliveryLog endpoint={current} canEdit={canEdit} /> : null}
      {editing ? <EndpointDialog endpoint={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
    </section>
  );
}

function EndpointRow({ endpoint: e, canEdit, selected, onSelect, onEdit }: { endpoint: Endpoint; canEdit: boolean; selected: boolean; onSelect: () => void; onEdit: () => void }) {
  const { t, i18n } = useTranslation();
  const now = useServerNow();
  const update = useUpdateEndpoint();
  const remove = useDeleteEndpoint();
  const rotate = useRotateSecret();
  const test = useTestEndpoint();
  const error = update.error ?? remove.error ?? rotate.error ?? test.error;
  return (
    <>
      <tr className={`${selected ? 'is-selected' : ''}${e.is_active ? '' : ' is-inactive'}`} data-testid="webhook-row" data-endpoint-id={e.id} onClick={onSelect}>
        <td>
          <div className="mono cell-title">{e.url}</div>
          {e.description ? <div className="cell-sub muted">{e.description}</div> : null}
        </td>
        <td>
          <div className="tag-list">
            {e.event_types.map((x) => (
              <span key={x} className="tag tag--muted mono">
                {x}
              </span>
            ))}
          </div>
        </td>
        <td>
          {e.is_active ? (
            e.failing_since ? (
              <span className="tag tag--danger" title={formatDateTime(e.failing_since, i18n.language)}>
                {t('webhooks.failingSince', { when: formatRelative(e.failing_since, now, i18n.language) })}
              </span>
            ) : (
              <span className="tag tag--ok">{t('webhooks.active')}</span>
            )
          ) : (
            <span className="tag tag--muted" title={e.disabled_reason ?? undefined}>
              {t('webhooks.disabled')}
            </span>
          )}
          {e.disabled_reason ? <div className="cell-sub muted">{e.disabled_reason}</div> : null}
          {e.previous_secret_expires_at ? <div className="cell-sub muted">{t('webhooks.oldSecretUntil', { when: formatDateTime(e.previous_secret_expires_at, i18n.language) })}</div> : null}
        </td>
        <td className="row-actions" onClick={(ev) => ev.stopPropagation()}>
          {canEdit ? (
            <>
              <button type="button" className="btn btn--sm" disabled={test.isPending} onClick={() => test.mutate(e.id)} data-testid="webhook-test">
                {test.isPending ? t('webhooks.testing') : t('webhooks.test')}
              </button>
              <button type="button" className="btn btn--sm" onClick={onEdit}>
                {t('form.edit')}
              </button>
              <button type="button" className="btn btn--sm" onClick={() => update.mutate({ id: e.id, body: { is_active: !e.is_active } })}>
                {e.is_active ? t('webhooks.pause') : t('webhooks.enable')}
              </button>
              <ConfirmButton label={t('webhooks.rotate')} confirmLabel={t('webhooks.rotateConfirm')} onConfirm={() => rotate.mutate(e.id)} />
              <ConfirmButton className="btn btn--sm btn--danger-ghost" label={t('form.delete')} confirmLabel={t('webhooks.deleteConfirm')} onConfirm={() => remove.mutate(e.id)} />
            </>
          ) : null}
        </td>
      </tr>
      {test.data || error ? (
        <tr className="row-detail">
          <td colSpan={4}>
            {error ? <ErrorNotice error={error} /> : null}
            {test.data ? (
              <div className={`test-result test-result--${test.data.succeeded ? 'ok' : 'bad'}`} data-testid="webhook-test-result">
                <button type="button" className="btn btn--ghost btn--sm test-result__close" aria-label={t('common.close')} onClick={() => test.reset()}>
                  ✕
                </button>
                <strong>{test.data.succeeded ? t('webhooks.testOk') : t('webhooks.testFailed')}</strong>{' '}
                <span className="muted">
                  {test.data.status_code ?? '—'} · {test.data.duration_ms} ms {test.data.error ? `· ${test.data.error}` : ''}
                </span>
                <div className="excerpts">
                  <pre className="excerpt">{test.data.request_excerpt}</pre>
                  <pre className="excerpt">{test.data.response_excerpt || '—'}</pre>
                </div>
              </div>
            ) : null}
          </td>
        </tr>
      ) : null}
      {rotate.data ? (
        <Dialog title={t('webhooks.rotatedTitle')} onClose={() => rotate.reset()}>
          <p>{t('webhooks.rotatedHint')}</p>
          <SecretOnce secret={rotate.data.secret} />
        </Dialog>
      ) : null}
    </>
  );
}
