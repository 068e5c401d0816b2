import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog, Field, FormProblem, Toggle } from '@/components/form';
import { useTeams } from '@/hooks/use-directory';
import { MARKETPLACES, oneOf } from '@/lib/enums';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { useCreateChannel, useUpdateChannel, type Channel } from '../api/channels';
import { CONNECTOR_FIELDS, connectionBody, type FieldValues } from '../lib/connectors';

type Marketplace = (typeof MARKETPLACES)[number];

/** The settings a channel already has, as form values (credentials are never returned: left empty). */
function settingsValues(channel: Channel | null): FieldValues {
  const out: FieldValues = {};
  for (const [k, v] of Object.entries(channel?.settings ?? {})) {
    if (typeof v === 'string' || typeof v === 'boolean') out[`settings.${k}`] = v;
    else if (typeof v === 'number') out[`settings.${k}`] = String(v);
  }
  return out;
}

/**
 * Connecting a store (its credentials are checked with one call to the marketplace before saving),
 * or editing one: name, team, settings, and new credentials only when typed (the API never returns
 * the stored ones).
 */
export function ConnectChannelDialog({ channel = null, onClose }: { channel?: Channel | null; onClose: () => void }) {
  const { t } = useTranslation();
  const teams = useTeams();
  const create = useCreateChannel();
  const update = useUpdateChannel();
  const mutation = channel ? update : create;
  const [marketplace, setMarketplace] = useState<Marketplace>(channel?.marketplace ?? 'ebay');
  const [name, setName] = useState(channel?.name ?? '');
  const [region, setRegion] = useState(channel?.region ?? '');
  const [account, setAccount] = useState(channel?.external_account_id ?? '');
  const [teamId, setTeamId] = useState(channel?.default_team_id ?? '');
  const [verify, setVerify] = useState(true);
  const [values, setValues] = useState<FieldValues>(() => settingsValues(channel));
  const errors = fieldErrorsOf(mutation.error);
  const fields = CONNECTOR_FIELDS[marketplace] ?? [];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { settings, credentials } = connectionBody(marketplace, values);
    const common = {
      name: name.trim(),
      region: region.trim() || null,
      external_account_id: account.trim() || null,
      default_team_id: teamId || null,
      verify,
    };
    if (channel) {
      update.mutate(
        { id: channel.id, body: { ...common, settings: { ...channel.settings, ...settings }, ...(credentials ? { credentials } : {}) } },
        { onSuccess: onClose },
      );
    } else {
      create.mutate({ ...common, marketplace, settings, credentials }, { onSuccess: onClose });
    }
  };

  return (
    <Dialog title={channel ? t('channels.editTitle', { name: channel.name }) : t('channels.connectTitle')} onClose={onClose} wide testId="connect-dialog">
      <form className="form" onSubmit={submit}>
        <div className="form__grid">
          <Field label={t('filters.marketplace')} errors={errorsAt(errors, 'marketplace')}>
            <select value={marketplace} disabled={channel !== null} onChange={(e) => setMarketplace(oneOf(MARKETPLACES, e.target.value) ?? 'ebay')} data-testid="channel-marketplace">
              {MARKETPLACES.map((m) => (
                <option key={m} value={m}>
                  {t(`marketplace.${m}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('channels.name')} errors={errorsAt(errors, 'name')}>
            <input value={name} required onChange={(e) => setName(e.target.value)} data-testid="channel-name" />
          </Field>
          <Field label={t('channels.region')} errors={errorsAt(errors, 'region')} hint={t('channels.regionHint')}>
            <input value={region} maxLength={10} onChange={(e) => setRegion(e.target.value)} />
          </Field>
          <Field label={t('channels.account')} errors={errorsAt(errors, 'external_account_id')}>
            <input value={account} onChange={(e) => setAccount(e.target.value)} />
          </Field>
          <Field label={t('channels.defaultTeam')} errors={errorsAt(errors, 'default_team_id')}>
            <select value={teamId} onChange={(e) => setTeamId(e.target.value)}>
              <option value="">{t('actions.noTeam')}</option>
              {(teams.data ?? []).map((team) => (
                <option key={team.id} value={team.id}>
                  {team.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
        {fields.length === 0 ? (
          <p className="notice notice--info">{t('channels.erpHint')}</p>
        ) : (
          <fieldset className="form__section">
            <legend>{t('channels.connection')}</legend>
            {channel?.has_credentials ? <p className="muted form__help">{t('channels.keepCredentials')}</p> : null}
            <div className="form__grid">
              {fields.map((f) => {
                const id = `${f.group}.${f.key}`;
                const value = values[id];
                const set = (v: string | boolean) => setValues((prev) => ({ ...prev, [id]: v }));
                const label = (
                  <>
                    {t(`channels.fields.${f.key}`)}
                    {f.required ? <span className="req"> *</span> : null}
                  </>
                );
                if (f.kind === 'bool') {
                  return (
                    <div key={id} className="ffield">
                      <span className="ffield__label">&nbsp;</span>
                      <Toggle checked={value === true} onChange={set} label={t(`channels.fields.${f.key}`)} />
                    </div>
                  );
                }
                return (
                  <Field key={id} label={label} errors={errorsAt(errors, id)}>
                    {f.kind === 'select' ? (
                      <select value={typeof value === 'string' ? value : ''} onChange={(e) => set(e.target.value)}>
                        <option value="">—</option>
                        {(f.options ?? []).map((o) => (
                          <option key={o} value={o}>
                            {o}
                          </option>
                        ))}
                      </select>
                    ) : (
                      <input
                        placeholder={channel && f.group === 'credentials' ? '••••••' : undefined}
                        type={f.kind === 'secret' ? 'password' : f.kind === 'number' ? 'number' : 'text'}
                        autoComplete="off"
                        value={typeof value === 'string' ? value : ''}
                        onChange={(e) => set(e.target.value)}
                        data-testid={`channel-${id}`}
                      />
                    )}
                  </Field>
                );
              })}
            </div>
            {errorsAt(errors, 'credentials').map((reason) => (
              <div key={reason} className="notice notice--error">
                {reason}
              </div>
            ))}
            <Toggle checked={verify} onChange={setVerify} label={t('channels.verify')} />
          </fieldset>
        )}
        <FormProblem error={mutation.error} placed={['marketplace', 'name', 'region', 'external_account_id', 'default_team_id', 'credentials', 'settings']} />
        <div className="form__actions">
          <button type="button" className="btn btn--sm" onClick={onClose}>
            {t('form.cancel')}
          </button>
          <button type="submit" className="btn btn--primary btn--sm" disabled={!name.trim() || mutation.isPending} data-testid="connect-submit">
            {mutation.isPending ? (verify && fields.length ? t('channels.checking') : t('form.saving')) : channel ? t('form.save') : t('channels.connect')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
