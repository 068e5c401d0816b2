import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { useChannels } from '@/hooks/use-directory';
import { MARKETPLACES, oneOf } from '@/lib/enums';
import { formatDateTime } from '@/lib/format';
import { useCreateChannel } from '../api/create-channel';

export function ChannelsSection({ canEdit }: { canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const channels = useChannels();
  return (
    <section className="settings-section" data-testid="settings-channels">
      <h2>{t('settings.channels')}</h2>
      <table className="table">
        <thead>
          <tr>
            <th>{t('settings.name')}</th>
            <th>{t('filters.marketplace')}</th>
            <th>{t('settings.statusCol')}</th>
            <th>{t('settings.lastSync')}</th>
          </tr>
        </thead>
        <tbody>
          {(channels.data ?? []).map((c) => (
            <tr key={c.id}>
              <td>{c.name}</td>
              <td>
                <MarketplaceBadge marketplace={c.marketplace} />
              </td>
              <td>
                <span className={`tag tag--${c.status === 'active' ? 'ok' : 'muted'}`}>{t(`settings.channelStatus.${c.status}`)}</span>
                {c.sync.last_error ? <div className="muted" title={c.sync.last_error}>{t('settings.syncError')}</div> : null}
              </td>
              <td>{c.sync.last_sync_at ? formatDateTime(c.sync.last_sync_at, i18n.language) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {canEdit ? <CreateChannelForm /> : null}
    </section>
  );
}

function CreateChannelForm() {
  const { t } = useTranslation();
  const create = useCreateChannel();
  const [name, setName] = useState('');
  const [marketplace, setMarketplace] = useState<(typeof MARKETPLACES)[number]>('amazon');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    create.mutate({ name: name.trim(), marketplace }, { onSuccess: () => setName('') });
  };

  return (
    <form className="inline-form" onSubmit={submit}>
      <input value={name} placeholder={t('settings.channelName')} aria-label={t('settings.channelName')} onChange={(e) => setName(e.target.value)} />
      <select
        value={marketplace}
        aria-label={t('filters.marketplace')}
        onChange={(e) => setMarketplace(oneOf(MARKETPLACES, e.target.value) ?? 'amazon')}
      >
        {MARKETPLACES.map((m) => (
          <option key={m} value={m}>
            {t(`marketplace.${m}`)}
          </option>
        ))}
      </select>
      <button type="submit" className="btn btn--primary btn--sm" disabled={!name.trim() || create.isPending}>
        {t('settings.addChannel')}
      </button>
      {create.error ? <ErrorNotice error={create.error} /> : null}
    </form>
  );
}
