import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ChipsInput, Dialog, DurationInput, Field, FormProblem, PillSelect, Toggle } from '@/components/form';
import { useChannels } from '@/hooks/use-directory';
import { CATEGORIES, MARKETPLACES, PRIORITIES } from '@/lib/enums';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { useCalendars, useSavePolicy, type Policy, type PolicyCreate } from '../api/sla';
import { draftToTier, tierToDraft, type TierDraft } from '../lib/tiers';
import { TierEditor } from './tier-editor';
import { policyName, policySource } from '@/lib/explain-wording';

const TIERS = ['standard', 'high_value', 'potential', 'low_activity'] as const;
type Conditions = NonNullable<PolicyCreate['conditions']>;

function list(conditions: Record<string, unknown> | undefined, key: string): string[] {
  const v = conditions?.[key];
  return Array.isArray(v) ? v.map(String) : [];
}

/** Create or edit an SLA policy: when it applies, its targets, and its escalation ladder. */
export function PolicyDialog({ policy, defaultPosition, onClose }: { policy: Policy | null; defaultPosition: number; onClose: () => void }) {
  const { t } = useTranslation();
  const channels = useChannels();
  const calendars = useCalendars();
  const save = useSavePolicy();
  const errors = fieldErrorsOf(save.error);
  const isDefault = policy?.builtin_key === 'default';

  // A built-in policy's name shows in the reader's language; saved unchanged, it keeps its own name.
  const shownName = policy ? policyName(t, policy) : '';
  const [name, setName] = useState(shownName);
  const [position, setPosition] = useState(String(policy?.position ?? defaultPosition));
  const [active, setActive] = useState(policy?.is_active ?? true);
  const [cond, setCond] = useState<Conditions>({
    marketplaces: list(policy?.conditions, 'marketplaces') as Conditions['marketplaces'],
    channel_ids: list(policy?.conditions, 'channel_ids'),
    categories: list(policy?.conditions, 'categories'),
    priorities: list(policy?.conditions, 'priorities') as Conditions['priorities'],
    customer_tiers: list(policy?.conditions, 'customer_tiers') as Conditions['customer_tiers'],
    labels_any: list(policy?.conditions, 'labels_any'),
  });
  const [first, setFirst] = useState<number | null>(policy?.first_response_seconds ?? 24 * 3600);
  const [next, setNext] = useState<number | null>(policy ? policy.next_response_seconds : 24 * 3600);
  const [internalFirst, setInternalFirst] = useState<number | null>(policy?.internal_first_response_seconds ?? null);
  const [internalNext, setInternalNext] = useState<number | null>(policy?.internal_next_response_seconds ?? null);
  const [internalResolution, setInternalResolution] = useState<number | null>(policy?.internal_resolution_seconds ?? null);
  const [calendarId, setCalendarId] = useState(policy?.calendar_id ?? '');
  const [pause, setPause] = useState(policy?.pause_while_pending ?? false);
  const [automationCounts, setAutomationCounts] = useState(policy?.automation_counts ?? false);
  const [tiers, setTiers] = useState<TierDraft[]>(
    (policy?.tiers ?? [
      { at_fraction: 0.5, action: 'email_assignee' },
      { at_fraction: 0.75, action: 'notify_assignee_and_team' },
      { at_fraction: 22 / 24, action: 'escalate_supervisor' },
    ]).map((x) => tierToDraft(x as Record<string, unknown>)),
  );

  const setC = <K extends keyof Conditions>(key: K) => (values: Conditions[K]) => setCond((c) => ({ ...c, [key]: values }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: PolicyCreate = {
      name: policy && name.trim() === shownName ? policy.name : name.trim(),
      position: Number(position),
      is_active: active,
      first_response_seconds: first ?? 0,
      next_response_seconds: next,
      internal_first_response_seconds: internalFirst,
      internal_next_response_seconds: internalNext,
      internal_resolution_seconds: internalResolution,
      calendar_id: calendarId || null,
      pause_while_pending: pause,
      automation_counts: automationCounts,
      tiers: tiers.map(draftToTier),
    };
    if (!isDefault) body.conditions = cond;
    save.mutate({ id: policy?.id ?? null, body }, { onSuccess: onClose });
  };

  const tierErrors = (i: number) => errorsAt(errors, `tiers.${i}`, true);
  return (
    <Dialog title={policy ? t('sla.editPolicy', { name: shownName }) : t('sla.newPolicy')} onClose={onClose} wide testId="policy-dialog">
      <form className="form" onSubmit={submit}>
        {policy?.builtin_key ? <p className="notice notice--info">{policySource(t, policy)}</p> : null}
        <div className="form__grid form__grid--4">
          <Field label={t('settings.name')} errors={errorsAt(errors, 'name')} className="span-2">
            <input value={name} required onChange={(e) => setName(e.target.value)} data-testid="policy-name" />
          </Field>
          <Field label={t('sla.position')} errors={errorsAt(errors, 'position')} hint={t('sla.positionHint')}>
            <input type="number" min={0} max={100000} value={position} onChange={(e) => setPosition(e.target.value)} data-testid="policy-position" />
          </Field>
          <div className="ffield">
            <span className="ffield__label">&nbsp;</span>
            <Toggle checked={active} onChange={setActive} label={t('form.active')} disabled={isDefault} />
          </div>
        </div>

        <fieldset className="form__section" data-testid="policy-conditions">
          <legend>{t('sla.appliesTo')}</legend>
          {isDefault ? (
            <p className="muted">{t('sla.defaultMatchesAll')}</p>
          ) : (
            <>
              <p className="muted form__help">{t('sla.conditionsHint')}</p>
              <Field label={t('filters.marketplace')} errors={errorsAt(errors, 'conditions.marketplaces', true)}>
                <PillSelect ariaLabel={t('filters.marketplace')} options={MARKETPLACES.map((m) => ({ value: m, label: t(`marketplace.${m}`) }))} values={cond.marketplaces ?? []} onChange={setC('marketplaces')} testId="cond-marketplaces" />
              </Field>
              <Field label={t('filters.store')} errors={errorsAt(errors, 'conditions.channel_ids', true)}>
                <PillSelect ariaLabel={t('filters.store')} options={(channels.data ?? []).map((c) => ({ value: c.id, label: c.name }))} values={cond.channel_ids ?? []} onChange={setC('channel_ids')} testId="cond-channels" />
              </Field>
              <Field label={t('filters.category')} errors={errorsAt(errors, 'conditions.categories', true)}>
                <PillSelect ariaLabel={t('filters.category')} options={CATEGORIES.map((c) => ({ value: c, label: t(`category.${c}`) }))} values={cond.categories ?? []} onChange={setC('categories')} />
              </Field>
              <div className="form__grid">
                <Field label={t('filters.priority')} errors={errorsAt(errors, 'conditions.priorities', true)}>
                  <PillSelect ariaLabel={t('filters.priority')} options={PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))} values={cond.priorities ?? []} onChange={setC('priorities')} />
                </Field>
                <Field label={t('rules.customerTier')} errors={errorsAt(errors, 'conditions.customer_tiers', true)}>
                  <PillSelect ariaLabel={t('rules.customerTier')} options={TIERS.map((x) => ({ value: x, label: t(`customer.tier.${x}`) }))} values={cond.customer_tiers ?? []} onChange={setC('customer_tiers')} />
                </Field>
              </div>
              <Field label={t('sla.labelsAny')} errors={errorsAt(errors, 'conditions.labels_any', true)}>
                <ChipsInput ariaLabel={t('sla.labelsAny')} values={cond.labels_any ?? []} onChange={setC('labels_any')} placeholder={t('sla.labelsPlaceholder')} />
              </Field>
            </>
          )}
          {errorsAt(errors, 'conditions').map((e) => (
            <span key={e} className="ffield__error">
              {e}
            </span>
          ))}
        </fieldset>

        <fieldset className="form__section">
          <legend>{t('sla.targets')}</legend>
          <div className="form__grid form__grid--3">
            <Field label={t('sla.firstResponse')} errors={errorsAt(errors, 'first_response_seconds')} hint={t('sla.marketplaceClockHint')}>
              <DurationInput seconds={first} onChange={setFirst} ariaLabel={t('sla.firstResponse')} testId="policy-first" />
            </Field>
            <Field label={t('sla.nextResponse')} errors={errorsAt(errors, 'next_response_seconds')}>
              <DurationInput seconds={next} onChange={setNext} allowEmpty ariaLabel={t('sla.nextResponse')} />
            </Field>
            <div />
            <Field label={t('sla.internalFirst')} errors={errorsAt(errors, 'internal_first_response_seconds')}>
              <DurationInput seconds={internalFirst} onChange={setInternalFirst} allowEmpty ariaLabel={t('sla.internalFirst')} />
            </Field>
            <Field label={t('sla.internalNext')} errors={errorsAt(errors, 'internal_next_response_seconds')}>
              <DurationInput seconds={internalNext} onChange={setInternalNext} allowEmpty ariaLabel={t('sla.internalNext')} />
            </Field>
            <Field label={t('sla.internalResolution')} errors={errorsAt(errors, 'internal_resolution_seconds')}>
              <DurationInput seconds={internalResolution} onChange={setInternalResolution} allowEmpty ariaLabel={t('sla.internalResolution')} />
            </Field>
            <Field label={t('sla.calendar')} errors={errorsAt(errors, 'calendar_id')} hint={t('sla.calendarHint')}>
              <select value={calendarId} onChange={(e) => setCalendarId(e.target.value)}>
                <option value="">{t('sla.calendarDefault')}</option>
                {(calendars.data ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </Field>
            <div className="ffield span-2">
              <span className="ffield__label">&nbsp;</span>
              <Toggle checked={pause} onChange={setPause} label={t('sla.pauseWhilePending')} />
            </div>
            <div className="ffield span-2">
              <Toggle checked={automationCounts} onChange={setAutomationCounts} label={t('sla.automationCounts')} />
              <span className="muted form__help">{t('sla.automationCountsHelp')}</span>
            </div>
          </div>
        </fieldset>

        <fieldset className="form__section">
          <legend>{t('sla.tiers.title')}</legend>
          <p className="muted form__help">{t('sla.tiers.hint')}</p>
          <TierEditor tiers={tiers} onChange={setTiers} targetSeconds={first && first > 0 ? first : 24 * 3600} errorsFor={tierErrors} />
          {errorsAt(errors, 'tiers').map((e) => (
            <span key={e} className="ffield__error">
              {e}
            </span>
          ))}
        </fieldset>

        <FormProblem
          error={save.error}
          placed={['name', 'position', 'conditions', 'first_response_seconds', 'next_response_seconds', 'internal_first_response_seconds', 'internal_next_response_seconds', 'internal_resolution_seconds', 'calendar_id', 'tiers']}
        />
        <div className="form__actions">
          <button type="button" className="btn btn--sm" onClick={onClose}>
            {t('form.cancel')}
          </button>
          <button type="submit" className="btn btn--primary btn--sm" disabled={save.isPending} data-testid="policy-save">
            {t('form.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
