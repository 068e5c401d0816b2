import { Fragment, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { Segmented } from '@/components/form';
import { useServerNow } from '@/hooks/use-server-now';
import { formatDateTime, formatRelative } from '@/lib/format';
import { useDeliveries, useDelivery, useReplayDelivery, useReplayRange, type DeliveryStatus, type Endpoint } from '../api/webhooks';

/** One endpoint's deliveries, newest first; open one for its attempts (request and response excerpts). */
export function DeliveryLog({ endpoint, canEdit }: { endpoint: Endpoint; canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState<DeliveryStatus | 'all'>('all');
  const [open, setOpen] = useState<string | null>(null);
  const deliveries = useDeliveries(endpoint.id, status === 'all' ? null : status);
  const replay = useReplayDelivery();
  const now = useServerNow();
  const items = deliveries.data?.items ?? [];
  return (
    <section className="subsection" data-testid="delivery-log">
      <header className="subsection__head">
        <h3>
          {t('webhooks.deliveries')} <span className="muted mono">{endpoint.url}</span>
        </h3>
        <Segmented
          ariaLabel={t('settings.statusCol')}
          options={(['all', 'pending', 'succeeded', 'failed'] as const).map((s) => ({ value: s, label: t(`webhooks.status.${s}`) }))}
          value={status}
          onChange={setStatus}
        />
      </header>
      {canEdit ? <ReplayRangeForm endpointId={endpoint.id} /> : null}
      {deliveries.error ? <ErrorNotice error={deliveries.error} /> : null}
      {replay.error ? <ErrorNotice error={replay.error} /> : null}
      {items.length === 0 ? (
        <p className="muted">{deliveries.isLoading ? t('common.loading') : t('webhooks.noDeliveries')}</p>
      ) : (
        <table className="table table--compact">
          <thead>
            <tr>
              <th>{t('webhooks.created')}</th>
              <th>{t('webhooks.event')}</th>
              <th>{t('settings.statusCol')}</th>
              <th className="num">{t('webhooks.attempts')}</th>
              <th>{t('webhooks.lastResult')}</th>
              <th>{t('webhooks.nextAttempt')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <Fragment key={d.id}>
                <tr className={`clickable${open === d.id ? ' is-selected' : ''}`} onClick={() => setOpen(open === d.id ? null : d.id)} data-testid="delivery-row" data-status={d.status} data-delivery-id={d.id}>
                  <td className="nowrap" title={formatDateTime(d.created_at, i18n.language)}>
                    {formatRelative(d.created_at, now, i18n.language)}
                  </td>
                  <td className="mono">{d.event_type}</td>
                  <td>
                    <span className={`tag tag--${d.status === 'succeeded' ? 'ok' : d.status === 'failed' ? 'danger' : 'high'}`}>{t(`webhooks.status.${d.status}`)}</span>
                  </td>
                  <td className="num">{d.attempts}</td>
                  <td className="clamp-1">
                    {d.last_status_code ? <span className="mono">{d.last_status_code}</span> : null} {d.last_error ? <span className="is-bad">{d.last_error}</span> : null}
                    {!d.last_status_code && !d.last_error ? '—' : null}
                  </td>
                  <td className="nowrap muted">{d.next_attempt_at ? formatRelative(d.next_attempt_at, now, i18n.language) : '—'}</td>
                  <td className="row-actions" onClick={(e) => e.stopPropagation()}>
                    {canEdit ? (
                      <button type="button" className="btn btn--sm" disabled={replay.isPending} onClick={() => replay.mutate({ endpointId: endpoint.id, deliveryId: d.id })} data-testid="delivery-replay">
                        {t('webhooks.replay')}
                      </button>
                    ) : null}
                  </td>
                </tr>
                {open === d.id ? (
                  <tr className="row-detail">
                    <td colSpan={7}>
                      <DeliveryDetail endpointId={endpoint.id} deliveryId={d.id} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function DeliveryDetail({ endpointId, deliveryId }: { endpointId: string; deliveryId: string }) {
  const { t, i18n } = useTranslation();
  const detail = useDelivery(endpointId, deliveryId);
  if (detail.error) return <ErrorNotice error={detail.error} />;
  if (!detail.data) return <p className="muted">{t('common.loading')}</p>;
  const d = detail.data;
  return (
    <div className="delivery-detail" data-testid="delivery-detail">
      <div className="muted">
        <span className="mono">webhook-id: {d.id}</span> · {t('webhooks.eventId', { id: d.event_id })}
      </div>
      <details>
        <summary>{t('webhooks.payload')}</summary>
        <pre className="excerpt">{JSON.stringify(d.payload, null, 2)}</pre>
      </details>
      {d.attempt_log.length === 0 ? <p className="muted">{t('webhooks.noAttempts')}</p> : null}
      {d.attempt_log.map((a) => (
        <div key={a.id} className="attempt" data-testid="attempt">
          <div className="attempt__head">
            <span className={`tag tag--${a.status_code !== null && a.status_code < 300 ? 'ok' : 'danger'}`}>{a.status_code ?? t('webhooks.noResponse')}</span>
            <span>{formatDateTime(a.attempted_at, i18n.language)}</span>
            {a.duration_ms !== null ? <span className="muted">{a.duration_ms} ms</span> : null}
            {a.error ? <span className="is-bad">{a.error}</span> : null}
          </div>
          <div className="excerpts">
            <div>
              <div className="excerpt__label">{t('webhooks.request')}</div>
              <pre className="excerpt">{a.request_excerpt}</pre>
            </div>
            <div>
              <div className="excerpt__label">{t('webhooks.response')}</div>
              <pre className="excerpt">{a.response_excerpt || '—'}</pre>
            </div>
          </div>
        </div>
      ))}
    </div>
  );
}

function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

function ReplayRangeForm({ endpointId }: { endpointId: string }) {
  const { t } = useTranslation();
  const replay = useReplayRange();
  const [since, setSince] = useState(() => toLocalInput(Date.now() - 24 * 3600_000));
  const [until, setUntil] = useState('');
  const [which, setWhich] = useState<'failed' | 'all'>('failed');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    replay.mutate({ endpointId, body: { since: new Date(since).toISOString(), until: until ? new Date(until).toISOString() : null, status: which } });
  };
  return (
    <form className="inline-form replay-form" onSubmit={submit} data-testid="replay-range">
      <span className="muted">{t('webhooks.replayRange')}</span>
      <input type="datetime-local" value={since} required aria-label={t('webhooks.since')} onChange={(e) => setSince(e.target.value)} />
      <span>–</span>
      <input type="datetime-local" value={until} aria-label={t('webhooks.until')} onChange={(e) => setUntil(e.target.value)} />
      <select value={which} aria-label={t('webhooks.which')} onChange={(e) => setWhich(e.target.value === 'all' ? 'all' : 'failed')}>
        <option value="failed">{t('webhooks.replayFailed')}</option>
        <option value="all">{t('webhooks.replayAll')}</option>
      </select>
      <button type="submit" className="btn btn--sm" disabled={replay.isPending}>
        {t('webhooks.replay')}
      </button>
      {replay.data ? <span className="muted">{t('webhooks.replayed', { requeued: replay.data.requeued, created: replay.data.created })}</span> : null}
      {replay.error ? <ErrorNotice error={replay.error} /> : null}
    </form>
  );
}
