import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { ConfirmButton, Dialog, Field, FormProblem, SecretOnce } from '@/components/form';
import { useServerNow } from '@/hooks/use-server-now';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { formatDateTime, formatRelative } from '@/lib/format';
import { useApiKeys, useCreateApiKey, useRevokeApiKey, useScopes } from '../api/api-keys';

/** API keys for ERPs: scopes, last use, revoke; the secret is shown once, at creation. */
export function ApiKeysPage() {
  const { t, i18n } = useTranslation();
  const keys = useApiKeys();
  const revoke = useRevokeApiKey();
  const now = useServerNow();
  const [creating, setCreating] = useState(false);
  return (
    <section className="settings-page" data-testid="settings-api-keys">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.apiKeys')}</h2>
          <p className="muted">{t('apiKeys.intro')}</p>
        </div>
        <button type="button" className="btn btn--primary btn--sm" onClick={() => setCreating(true)} data-testid="create-api-key">
          {t('apiKeys.create')}
        </button>
      </header>
      {keys.error ? <ErrorNotice error={keys.error} /> : null}
      {revoke.error ? <ErrorNotice error={revoke.error} /> : null}
      {keys.isLoading ? (
        <Spinner />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('settings.name')}</th>
              <th>{t('apiKeys.prefix')}</th>
              <th>{t('apiKeys.scopes')}</th>
              <th>{t('apiKeys.created')}</th>
              <th>{t('apiKeys.lastUsed')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(keys.data ?? []).map((k) => (
              <tr key={k.id} className={k.revoked_at ? 'is-inactive' : ''} data-testid="api-key-row">
                <td>{k.name}</td>
                <td className="mono">{k.prefix}…</td>
                <td>
                  <div className="tag-list">
                    {k.scopes.map((s) => (
                      <span key={s} className="tag tag--muted mono">
                        {s}
                      </span>
                    ))}
                  </div>
                </td>
                <td>{formatDateTime(k.created_at, i18n.language)}</td>
                <td>{k.last_used_at ? formatRelative(k.last_used_at, now, i18n.language) : '—'}</td>
                <td className="row-actions">
                  {k.revoked_at ? (
                    <span className="tag tag--muted">{t('apiKeys.revoked')}</span>
                  ) : (
                    <ConfirmButton
                      className="btn btn--sm btn--danger-ghost"
                      label={t('apiKeys.revoke')}
                      confirmLabel={t('apiKeys.revokeConfirm')}
                      onConfirm={() => revoke.mutate(k.id)}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating ? <CreateKeyDialog onClose={() => setCreating(false)} /> : null}
    </section>
  );
}

function CreateKeyDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const scopes = useScopes();
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>(['conversations:read', 'messages:write', 'orders:write']);
  const [rate, setRate] = useState('');
  const errors = fieldErrorsOf(create.error);

  if (create.data) {
    return (
      <Dialog title={t('apiKeys.createdTitle', { name: create.data.name })} onClose={onClose} testId="api-key-created">
        <SecretOnce secret={create.data.key} />
        <div className="form__actions">
          <button type="button" className="btn btn--primary btn--sm" onClick={onClose}>
            {t('form.done')}
          </button>
        </div>
      </Dialog>
    );
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name: name.trim(), scopes: chosen, rate_limit_per_minute: rate ? Number(rate) : null });
  };
  return (
    <Dialog title={t('apiKeys.create')} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <Field label={t('settings.name')} errors={errorsAt(errors, 'name')}>
          <input value={name} required onChange={(e) => setName(e.target.value)} placeholder={t('apiKeys.namePlaceholder')} />
        </Field>
        <Field label={t('apiKeys.scopes')} errors={errorsAt(errors, 'scopes', true)}>
          <div className="scope-list">
            {Object.entries(scopes.data ?? {}).map(([scope, what]) => (
              <label key={scope} className="scope">
                <input
                  type="checkbox"
                  checked={chosen.includes(scope)}
                  onChange={(e) => setChosen((c) => (e.target.checked ? [...c, scope] : c.filter((s) => s !== scope)))}
                />
                <span className="mono">{scope}</span>
                <span className="muted">{t(`apiKeys.scope.${scope.replace(':', '_')}`, { defaultValue: what })}</span>
              </label>
            ))}
          </div>
        </Field>
        <Field label={t('apiKeys.rateLimit')} errors={errorsAt(errors, 'rate_limit_per_minute')} hint={t('apiKeys.rateLimitHint')}>
          <input type="number" min={1} className="input--narrow" value={rate} onChange={(e) => setRate(e.target.value)} />
        </Field>
        <FormProblem error={create.error} placed={['name', 'scopes', 'rate_limit_per_minute']} />
        <div className="form__actions">
          <button type="button" className="btn btn--sm" onClick={onClose}>
            {t('form.cancel')}
          </button>
          <button type="submit" className="btn btn--primary btn--sm" disabled={!name.trim() || chosen.length === 0 || create.isPending}>
            {t('form.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
