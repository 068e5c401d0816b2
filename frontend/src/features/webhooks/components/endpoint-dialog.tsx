import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog, Field, FormProblem, SecretOnce } from '@/components/form';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { useCreateEndpoint, useEventTypes, useUpdateEndpoint, type Endpoint, type EndpointCreate } from '../api/webhooks';

/** Subscribe a URL to event types; a new endpoint's signing secret is shown here once. */
export function EndpointDialog({ endpoint, onClose }: { endpoint: Endpoint | null; onClose: () => void }) {
  const { t } = useTranslation();
  const eventTypes = useEventTypes();
  const create = useCreateEndpoint();
  const update = useUpdateEndpoint();
  const mutation = endpoint ? update : create;
  const errors = fieldErrorsOf(mutation.error);
  const [url, setUrl] = useState(endpoint?.url ?? 'https://');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [types, setTypes] = useState<string[]>(endpoint?.event_types ?? ['sla.warning', 'sla.overdue']);

  if (create.data) {
    return (
      <Dialog title={t('webhooks.createdTitle')} onClose={onClose} testId="webhook-secret">
        <p>{t('webhooks.secretHint')}</p>
        <SecretOnce secret={create.data.secret} />
        <div className="form__actions">
          <button type="button" className="btn btn--primary btn--sm" onClick={onClose} data-testid="secret-done">
            {t('form.done')}
          </button>
        </div>
      </Dialog>
    );
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = { url: url.trim(), description: description.trim(), event_types: types as EndpointCreate['event_types'] };
    if (endpoint) update.mutate({ id: endpoint.id, body }, { onSuccess: onClose });
    else create.mutate(body);
  };
  return (
    <Dialog title={endpoint ? t('webhooks.edit') : t('webhooks.new')} onClose={onClose} wide testId="webhook-dialog">
      <form className="form" onSubmit={submit}>
        <Field label={t('webhooks.url')} errors={errorsAt(errors, 'url')} hint={t('webhooks.urlHint')}>
          <input type="url" value={url} required onChange={(e) => setUrl(e.target.value)} data-testid="webhook-url" />
        </Field>
        <Field label={t('webhooks.description')} errors={errorsAt(errors, 'description')}>
          <input value={description} maxLength={500} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <Field label={t('webhooks.events')} errors={errorsAt(errors, 'event_types', true)}>
          <div className="scope-list">
            {(eventTypes.data ?? []).map((et) => (
              <label key={et.type} className="scope">
                <input
                  type="checkbox"
                  checked={types.includes(et.type)}
                  onChange={(e) => setTypes((x) => (e.target.checked ? [...x, et.type] : x.filter((y) => y !== et.type)))}
                  data-testid={`event-${et.type}`}
                />
                <span className="mono">{et.type}</span>
                <span className="muted">{t(`webhooks.eventInfo.${et.type.replace(/\./g, '_')}`, { defaultValue: et.description })}</span>
              </label>
            ))}
          </div>
        </Field>
        <FormProblem error={mutation.error} placed={['url', 'description', 'event_types']} />
        <div className="form__actions">
          <button type="button" className="btn btn--sm" onClick={onClose}>
            {t('form.cancel')}
          </button>
          <button type="submit" className="btn btn--primary btn--sm" disabled={mutation.isPending || types.length === 0} data-testid="webhook-save">
            {endpoint ? t('form.save') : t('form.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
