import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { Dialog, Field, FormProblem, Toggle } from '@/components/form';
import { useTeams } from '@/hooks/use-directory';
import { MARKETPLACES } from '@/lib/enums';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { useCreateChannel, useUpdateChannel, type Channel } from '../api/channels';
import { checkFields, defaultsFor, SECURITY_PORTS, type FieldProblem } from '../lib/connect-guide';
import { CONNECTOR_FIELDS, connectionBody, type FieldValues } from '../lib/connectors';
import { useTestConnection, type ConnectionTest } from '../api/connect';

export type Marketplace = (typeof MARKETPLACES)[number];

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
 * Editing a connected store: name, team, settings, and new credentials only when typed (the API
 * never returns the stored ones). New stores are connected with the guided flow (ConnectStoreWizard).
 */
export function ConnectChannelDialog({ channel = null, onClose }: { channel?: Channel | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog title={channel ? t('channels.editTitle', { name: channel.name }) : t('channels.connectTitle')} onClose={onClose} wide testId="connect-dialog">
      <ChannelForm channel={channel} marketplace={channel?.marketplace ?? 'api'} onDone={onClose} onCancel={onClose} />
    </Dialog>
  );
}

/**
 * The form behind a store: for a new one (the guided flow's "fill in" step) it starts from sensible
 * defaults, says under each field where to find the value, checks each field before sending (the
 * API's problem+json errors land on the same fields), and says why Connect is disabled; Connect
 * tests the connection with one call to the marketplace before saving and names what failed.
 */
export function ChannelForm({
  channel = null,
  marketplace,
  onDone,
  onCancel,
  cancelLabel,
  hidden = [],
}: {
  channel?: Channel | null;
  marketplace: Marketplace;
  onDone: (channel: Channel) => void;
  onCancel: () => void;
  cancelLabel?: string;
  /** Fields a consent step fills in instead (Amazon's SP-API keys when Seller Central's consent is set up). */
  hidden?: readonly string[];
}) {
  const { t } = useTranslation();
  const teams = useTeams();
  const create = useCreateChannel();
  const update = useUpdateChannel();
  const mutation = channel ? update : create;
  const [name, setName] = useState(channel?.name ?? '');
  const [region, setRegion] = useState(channel?.region ?? '');
  const [account, setAccount] = useState(channel?.external_account_id ?? '');
  const [teamId, setTeamId] = useState(channel?.default_team_id ?? '');
  const [verify, setVerify] = useState(true);
  const [values, setValues] = useState<FieldValues>(() => (channel ? settingsValues(channel) : defaultsFor(marketplace)));
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const tester = useTestConnection();
  const errors = fieldErrorsOf(mutation.error);
  const fields = (CONNECTOR_FIELDS[marketplace] ?? []).filter((f) => !hidden.includes(f.key));
  // Editing keeps stored credentials when left empty: only what was typed is checked then.
  const problems = channel ? new Map<string, FieldProblem>() : checkFields(marketplace, values);
  const missing = [...(name.trim() ? [] : [t('channels.name')]), ...[...problems].filter(([, p]) => p === 'required').map(([id]) => t(`channels.fields.${id.split('.')[1]}`))];
  const malformed = [...problems].filter(([, p]) => p !== 'required').map(([id]) => t(`channels.fields.${id.split('.')[1]}`));
  const blocked = missing.length > 0 || malformed.length > 0;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (blocked) {
      setTouched(new Set(fields.map((f) => `${f.group}.${f.key}`)));
      return;
    }
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
        { onSuccess: onDone },
      );
    } else {
      create.mutate({ ...common, marketplace, settings, credentials }, { onSuccess: onDone });
    }
  };

  const testConnection = () => {
    const { settings, credentials } = connectionBody(marketplace, values);
    // Editing with no new credentials typed: the stored ones are tested (the API never returns them).
    if (channel && !credentials) tester.mutate({ channelId: channel.id });
    else tester.mutate({ body: { marketplace, settings: channel ? { ...channel.settings, ...settings } : settings, credentials: credentials ?? {} } });
  };

  const setValue = (id: string, v: string | boolean) =>
    setValues((prev) => {
      const next = { ...prev, [id]: v };
      // Changing the security mode moves a port still at its default to the mode's usual port.
      const m = /^settings\.(imap|smtp)_security$/.exec(id);
      if (m && typeof v === 'string') {
        const kind = m[1] ?? 'imap';
        const portId = `settings.${kind}_port`;
        const usual = Object.values(SECURITY_PORTS[kind] ?? {});
        if (!prev[portId] || usual.includes(String(prev[portId]))) next[portId] = SECURITY_PORTS[kind]?.[v] ?? prev[portId] ?? '';
      }
      return next;
    });

  return (
    <form className="form" onSubmit={submit} noValidate>
      <div className="form__grid">
        <Field label={t('filters.marketplace')} errors={errorsAt(errors, 'marketplace')}>
          <select value={marketplace} disabled data-testid="channel-marketplace">
            {MARKETPLACES.map((m) => (
              <option key={m} value={m}>
                {t(`marketplace.${m}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={<>{t('channels.name')}<span className="req"> *</span></>} errors={errorsAt(errors, 'name')} hint={channel ? undefined : t('channels.nameHint')}>
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
          {channel ? null : <p className="muted form__help">{t(`channels.guide.${marketplace}`, { defaultValue: '' })}</p>}
          <div className="form__grid">
            {fields.map((f) => {
              const id = `${f.group}.${f.key}`;
              const value = values[id];
              const set = (v: string | boolean) => setValue(id, v);
              const problem = touched.has(id) ? problems.get(id) : undefined;
              const fieldErrors = [...(problem ? [t(`channels.problem.${problem}`)] : []), ...errorsAt(errors, id)];
              const help = channel ? undefined : helpFor(t, marketplace, f.key);
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
                <Field key={id} label={label} errors={fieldErrors} hint={help} testId={`field-${id}`}>
                  {f.kind === 'select' ? (
                    <select value={typeof value === 'string' ? value : ''} onChange={(e) => set(e.target.value)} data-testid={`channel-${id}`}>
                      <option value="">—</option>
                      {(f.options ?? []).map((o) => (
                        <option key={o} value={o}>
                          {t(`channels.security.${o}`, { defaultValue: o })}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      placeholder={channel && f.group === 'credentials' ? '••••••' : undefined}
                      type={f.kind === 'secret' ? 'password' : 'text'}
                      inputMode={f.kind === 'number' ? 'numeric' : undefined}
                      autoComplete="off"
                      value={typeof value === 'string' ? value : ''}
                      onChange={(e) => set(e.target.value)}
                      onBlur={() => setTouched((prev) => new Set(prev).add(id))}
                      aria-invalid={problem ? true : undefined}
                      data-testid={`channel-${id}`}
                    />
                  )}
                </Field>
              );
            })}
          </div>
          {errorsAt(errors, 'credentials').map((reason) => (
            <div key={reason} className="notice notice--error" role="alert" data-testid="connect-test-failed">
              {t('channels.testFailed', { reason })}
            </div>
          ))}
          <Toggle checked={verify} onChange={setVerify} label={t('channels.verify')} />
          <div className="form__actions form__actions--start">
            <button type="button" className="btn btn--sm" onClick={testConnection} disabled={tester.isPending} data-testid="connect-test">
              {tester.isPending ? t('connect.test.running') : t('connect.test.button')}
            </button>
          </div>
          <FormProblem error={tester.error} />
          {tester.data ? <ConnectionChecks result={tester.data} name={t(`marketplace.${marketplace}`)} /> : null}
        </fieldset>
      )}
      <FormProblem error={mutation.error} placed={['marketplace', 'name', 'region', 'external_account_id', 'default_team_id', 'credentials', 'settings']} />
      {blocked ? (
        <p className="muted form__help" id="connect-disabled-reason" data-testid="connect-disabled-reason">
          {missing.length ? t('channels.missing', { fields: missing.join(', ') }) : null} {malformed.length ? t('channels.malformed', { fields: malformed.join(', ') }) : null}
        </p>
      ) : null}
      <div className="form__actions">
        <button type="button" className="btn btn--sm" onClick={onCancel}>
          {cancelLabel ?? t('form.cancel')}
        </button>
        <button
          type="submit"
          className="btn btn--primary btn--sm"
          disabled={blocked || mutation.isPending}
          aria-describedby={blocked ? 'connect-disabled-reason' : undefined}
          data-testid="connect-submit"
        >
          {mutation.isPending ? (verify && fields.length ? t('channels.checking') : t('form.saving')) : channel ? t('form.save') : fields.length && verify ? t('channels.testAndConnect') : t('channels.connect')}
        </button>
      </div>
    </form>
  );
}

/** Where to find a field's value, for this marketplace when it differs, else in general. */
function helpFor(t: TFunction, marketplace: string, key: string): string | undefined {
  const specific = t(`channels.help.${marketplace}.${key}`, { defaultValue: '' });
  if (specific) return specific;
  const general = t(`channels.help.any.${key}`, { defaultValue: '' });
  return general || undefined;
}

/** Each part of the connection with what failed, in the user's language. */
export function ConnectionChecks({ result, name }: { result: ConnectionTest; name: string }) {
  const { t } = useTranslation();
  return (
    <div role="status" aria-live="polite" data-testid="connection-checks" data-ok={result.ok ? 'true' : 'false'}>
      <p>
        <strong>{result.ok ? t('connect.test.allPassed') : t('connect.test.someFailed')}</strong>
      </p>
      <ul className="checks">
        {result.checks.map((c) => (
          <li key={c.name} data-testid={`check-${c.name}`} data-ok={c.ok ? 'true' : 'false'} title={c.message}>
            <span className={c.ok ? 'is-ok' : 'is-bad'} aria-hidden="true">
              {c.ok ? '✓' : '✕'}
            </span>
            <span>
              <strong>{t(`connect.test.name.${c.name}`)}</strong>
              {t('connect.test.sep')}
              {c.ok ? t(`connect.test.passed.${c.name}`, { target: c.target ?? name }) : t(`connect.test.reason.${c.reason}`, { target: c.target ?? name })}
              <span className="sr-only">{c.ok ? t('connect.test.ok') : t('connect.test.failed')}</span>
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
