import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { useServerNow } from '@/hooks/use-server-now';
import { useTeams } from '@/hooks/use-directory';
import { MARKETPLACES, oneOf } from '@/lib/enums';
import { formatDuration } from '@/lib/duration';
import { formatRelative } from '@/lib/format';
import { useChannelsWithSync, useDisableChannel, useSyncChannel, useUpdateChannel, type Channel } from '../api/channels';
import { useConnectOptions, useStartConnect } from '../api/connect';
import { ConfirmDelete } from '@/components/confirm-delete';
import { queryKeys } from '@/lib/query-keys';
import { isChannelBound } from '../lib/connect-guide';
import { ConnectChannelDialog } from './connect-channel-dialog';
import { ConnectStoreWizard, type ConnectOutcome } from './connect-store-wizard';

/** Stores: who is connected, whether each one syncs, and what is stuck. */
export function ChannelsPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const channels = useChannelsWithSync();
  const [params, setParams] = useSearchParams();
  // Back from a marketplace's consent page: the API's callback says how it went.
  const [outcome] = useState<ConnectOutcome | null>(() => {
    const marketplace = oneOf(MARKETPLACES, params.get('connect') ?? '');
    if (!marketplace || !params.get('result')) return null;
    return { marketplace, channelId: params.get('channel'), reason: params.get('reason'), code: params.get('code') };
  });
  const [connecting, setConnecting] = useState(outcome !== null);
  const close = () => {
    setConnecting(false);
    if (params.has('connect')) setParams({}, { replace: true });
  };
  return (
    <section className="settings-page" data-testid="settings-channels">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.channels')}</h2>
          <p className="muted">{t('channels.intro')}</p>
        </div>
        {canEdit ? (
          <button type="button" className="btn btn--primary btn--sm" onClick={() => setConnecting(true)} data-testid="connect-channel">
            {t('channels.connect')}
          </button>
        ) : null}
      </header>
      {channels.error ? <ErrorNotice error={channels.error} /> : null}
      {channels.isLoading ? (
        <Spinner />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('channels.store')}</th>
              <th>{t('channels.sync')}</th>
              <th>{t('channels.lastSuccess')}</th>
              <th>{t('channels.backlog')}</th>
              <th>{t('channels.lastError')}</th>
              {canEdit ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {(channels.data ?? []).map((c) => (
              <ChannelRow key={c.id} channel={c} canEdit={canEdit} />
            ))}
          </tbody>
        </table>
      )}
      {connecting && canEdit ? <ConnectStoreWizard onClose={close} outcome={outcome} channels={channels.data ?? []} /> : null}
    </section>
  );
}

const STATE_TONE: Record<string, string> = {
  ok: 'ok',
  failing: 'danger',
  reconnect: 'danger',
  waiting: 'high',
  not_synced: 'muted',
  disabled: 'muted',
};

function ChannelRow({ channel: c, canEdit }: { channel: Channel; canEdit: boolean }) {
  const [editing, setEditing] = useState(false);
  const { t, i18n } = useTranslation();
  const now = useServerNow();
  const teams = useTeams();
  const sync = useSyncChannel();
  const disable = useDisableChannel();
  const update = useUpdateChannel();
  // Stores connected through a consent page are reconnected the same way (granting what is missing).
  const options = useConnectOptions();
  const consent = new Set<string>(options.data?.consent ?? []);
  const reconnect = useStartConnect();
  const [deleting, setDeleting] = useState(false);
  const authorizeAgain = () =>
    reconnect.mutate(
      { marketplace: c.marketplace, channelId: isChannelBound(c.marketplace) ? c.id : undefined },
      { onSuccess: (r) => window.location.assign(r.authorize_url) },
    );
  // Amazon: SP-API is authorized through Seller Central's consent for the relay channel.
  const needsSpApi = isChannelBound(c.marketplace) && consent.has(c.marketplace) && !c.settings?.selling_partner_id;
  const units = { d: t('units.d'), h: t('units.h'), min: t('units.min'), s: t('units.s') };
  const backlog = c.sync.backlog;
  const b = {
    pending_pushes: backlog?.pending_pushes ?? 0,
    queued_replies: backlog?.queued_replies ?? 0,
    sending_replies: backlog?.sending_replies ?? 0,
    failed_replies: backlog?.failed_replies ?? 0,
  };
  const failures = c.sync.consecutive_failures ?? 0;
  const team = (teams.data ?? []).find((x) => x.id === c.default_team_id);
  const state = c.status === 'disabled' ? 'disabled' : (c.sync.state ?? 'not_synced');
  const error = sync.error ?? disable.error ?? update.error ?? reconnect.error;
  return (
    <tr data-testid="channel-row" data-channel-id={c.id} className={c.status === 'disabled' ? 'is-inactive' : ''}>
      <td>
        <div className="cell-title">
          <MarketplaceBadge marketplace={c.marketplace} /> <strong>{c.name}</strong>
          {c.region ? <span className="muted">{c.region}</span> : null}
        </div>
        <div className="cell-sub muted">
          {c.external_account_id ? <span className="mono">{c.external_account_id}</span> : null}
          {team ? <span>{t('channels.team', { name: team.name })}</span> : null}
        </div>
        {c.sync.push_url ? (
          <div className="cell-sub push-url" title={`${t('channels.pushUrlHint')} ${c.sync.push_url}`}>
            <span className="muted">{t('channels.pushUrl')}</span> <code className="mono">{c.sync.push_url}</code>
          </div>
        ) : null}
      </td>
      <td>
        <span className={`tag tag--${STATE_TONE[state] ?? 'muted'}`} data-testid="sync-state">
          {t(`channels.state.${state}`)}
        </span>
        {state === 'reconnect' && c.sync.reconnect ? (
          <div className="cell-sub" data-testid="reconnect-needed">
            <div>{t('channels.reconnectHint', { count: c.sync.reconnect.missing_scopes.length })}</div>
            <ul className="plain-list">
              {c.sync.reconnect.missing_scopes.map((scope) => (
                <li key={scope}>
                  <code className="mono">{scope}</code>
                </li>
              ))}
            </ul>
            {canEdit ? (
              <button
                type="button"
                className="btn btn--sm btn--primary"
                disabled={reconnect.isPending}
                onClick={() => (consent.has(c.marketplace) ? authorizeAgain() : setEditing(true))}
                data-testid="reconnect-channel"
              >
                {t('channels.reconnect')}
              </button>
            ) : null}
          </div>
        ) : failures > 1 ? (
          <div className="cell-sub muted">{t('channels.failures', { count: failures })}</div>
        ) : null}
      </td>
      <td>
        {c.sync.last_sync_at ? (
          <>
            <div title={c.sync.last_sync_at}>{formatRelative(c.sync.last_sync_at, now, i18n.language)}</div>
            {c.sync.lag_seconds !== null && c.sync.lag_seconds !== undefined ? (
              <div className="cell-sub muted">{t('channels.lag', { lag: formatDuration(c.sync.lag_seconds, units) })}</div>
            ) : null}
          </>
        ) : (
          <span className="muted">—</span>
        )}
        {c.sync.next_poll_at && c.status === 'active' ? (
          <div className="cell-sub muted">
            {Date.parse(c.sync.next_poll_at) <= now ? t('channels.pollDue') : t('channels.nextPoll', { when: formatRelative(c.sync.next_poll_at, now, i18n.language) })}
          </div>
        ) : null}
      </td>
      <td>
        <div className="backlog">
        <span title={t('channels.pendingPushes')} className={b.pending_pushes ? '' : 'muted'}>
          ⇣ {b.pending_pushes}
        </span>
        <span title={t('channels.queuedReplies')} className={b.queued_replies + b.sending_replies ? '' : 'muted'}>
          ⇡ {b.queued_replies + b.sending_replies}
        </span>
        <span title={t('channels.failedReplies')} className={b.failed_replies ? 'is-bad' : 'muted'}>
          ✕ {b.failed_replies}
        </span>
        </div>
      </td>
      <td className="cell-error">
        {c.sync.last_error ? (
          <>
            <div className="is-bad clamp-2" title={c.sync.last_error}>
              {c.sync.last_error}
            </div>
            {c.sync.last_error_at ? <div className="cell-sub muted">{formatRelative(c.sync.last_error_at, now, i18n.language)}</div> : null}
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      {canEdit ? (
        <td className="row-actions">
          <button type="button" className="btn btn--sm" onClick={() => setEditing(true)}>
            {t('form.edit')}
          </button>
          {c.status === 'active' && c.has_credentials ? (
            <button type="button" className="btn btn--sm" disabled={sync.isPending} onClick={() => sync.mutate(c.id)}>
              {t('channels.syncNow')}
            </button>
          ) : null}
          {c.status === 'active' ? (
            <button type="button" className="btn btn--sm btn--ghost" disabled={disable.isPending} onClick={() => disable.mutate(c.id)}>
              {t('channels.disable')}
            </button>
          ) : (
            <button type="button" className="btn btn--sm" disabled={update.isPending} onClick={() => update.mutate({ id: c.id, body: { status: 'active', verify: false } })}>
              {t('channels.enable')}
            </button>
          )}
          {needsSpApi ? (
            <button type="button" className="btn btn--sm" disabled={reconnect.isPending} onClick={authorizeAgain} data-testid="authorize-sp-api">
              {t('channels.authorizeSpApi')}
            </button>
          ) : null}
          <button type="button" className="btn btn--sm btn--ghost" onClick={() => setDeleting(true)} data-testid="delete-channel">
            {t('deletion.delete')}
          </button>
          {error ? <ErrorNotice error={error} /> : null}
          {deleting ? <ConfirmDelete kind="channel" id={c.id} name={c.name} invalidate={queryKeys.channels} onClose={() => setDeleting(false)} /> : null}
          {editing ? <ConnectChannelDialog channel={c} onClose={() => setEditing(false)} /> : null}
        </td>
      ) : null}
    </tr>
  );
}
