import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ChipsInput, Dialog, Field, FormProblem, PillSelect, Toggle } from '@/components/form';
import { useChannels } from '@/hooks/use-directory';
import { CATEGORIES, MARKETPLACES } from '@/lib/enums';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { useSaveAutoReplyRule, type AutoReplyRule, type AutoReplyRuleCreate } from '../api/automation';
import { actionIncomplete, actionToDraft, draftToAction, emptyAction, type ActionDraft } from '../lib/actions';
import { ActionEditor } from './action-editor';

type Conditions = NonNullable<AutoReplyRuleCreate['conditions']>;
const TIERS = ['standard', 'high_value', 'potential', 'low_activity'] as const;

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** An auto-reply rule: when it matches, what it does, and its guardrails. */
export function AutoReplyDialog({ rule, defaultPosition, onClose }: { rule: AutoReplyRule | null; defaultPosition: number; onClose: () => void }) {
  const { t } = useTranslation();
  const channels = useChannels();
  const save = useSaveAutoReplyRule();
  const errors = fieldErrorsOf(save.error);
  const c = rule?.conditions ?? {};
  const [name, setName] = useState(rule?.name ?? '');
  const [position, setPosition] = useState(String(rule?.position ?? defaultPosition));
  const [active, setActive] = useState(rule?.is_active ?? true);
  const [stop, setStop] = useState(rule?.stop_after_match ?? false);
  const [cooldown, setCooldown] = useState(String(rule?.cooldown_minutes ?? 1440));
  const [quiet, setQuiet] = useState(String(rule?.quiet_after_agent_minutes ?? 5));
  const [cond, setCond] = useState<Conditions>({
    keywords: strings(c['keywords']),
    patterns: strings(c['patterns']),
    marketplaces: strings(c['marketplaces']) as Conditions['marketplaces'],
    channel_ids: strings(c['channel_ids']),
    categories: strings(c['categories']),
    customer_tiers: strings(c['customer_tiers']) as Conditions['customer_tiers'],
    outside_business_hours: c['outside_business_hours'] === true,
    on_holiday: c['on_holiday'] === true,
    first_message_only: c['first_message_only'] === true,
  });
  const [actions, setActions] = useState<ActionDraft[]>(rule ? rule.actions.map((a) => actionToDraft(a)) : [emptyAction('send_template')]);
  const setC = <K extends keyof Conditions>(key: K) => (value: Conditions[K]) => setCond((x) => ({ ...x, [key]: value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: AutoReplyRuleCreate = {
      name: name.trim(),
      position: Number(position),
      is_active: active,
      stop_after_match: stop,
      cooldown_minutes: Number(cooldown),
      quiet_after_agent_minutes: Number(quiet),
      conditions: cond,
      actions: actions.map(draftToAction) as AutoReplyRuleCreate['actions'],
    };
    save.mutate({ id: rule?.id ?? null, body }, { onSuccess: onClose });
  };

  return (
    <Dialog title={rule ? t('rules.editAutoReply', { name: rule.name }) : t('rules.newAutoReply')} onClose={onClose} wide testId="auto-reply-dialog">
      <form className="form" onSubmit={submit}>
        <div className="form__grid form__grid--4">
          <Field label={t('settings.name')} errors={errorsAt(errors, 'name')} className="span-2">
            <input value={name} required onChange={(e) => setName(e.target.value)} data-testid="rule-name" />
          </Field>
          <Field label={t('sla.position')} errors={errorsAt(errors, 'position')} hint={t('rules.positionHint')}>
            <input type="number" min={0} max={100000} value={position} onChange={(e) => setPosition(e.target.value)} data-testid="rule-position" />
          </Field>
          <div className="ffield">
            <span className="ffield__label">&nbsp;</span>
            <Toggle checked={active} onChange={setActive} label={t('form.active')} />
          </div>
        </div>

        <fieldset className="form__section" data-testid="rule-conditions">
          <legend>{t('rules.when')}</legend>
          <p className="muted form__help">{t('rules.conditionsHint')}</p>
          <div className="form__grid">
            <Field label={t('rules.keywords')} errors={errorsAt(errors, 'conditions.keywords', true)} hint={t('rules.keywordsHint')}>
              <ChipsInput ariaLabel={t('rules.keywords')} values={cond.keywords ?? []} onChange={setC('keywords')} placeholder={t('rules.keywordsPlaceholder')} testId="rule-keywords" />
            </Field>
            <Field label={t('rules.patterns')} errors={errorsAt(errors, 'conditions.patterns', true)} hint={t('rules.patternsHint')}>
              <ChipsInput ariaLabel={t('rules.patterns')} values={cond.patterns ?? []} onChange={setC('patterns')} placeholder="ship(ped|ping)?\s+when" />
            </Field>
          </div>
          <Field label={t('filters.marketplace')} errors={errorsAt(errors, 'conditions.marketplaces', true)}>
            <PillSelect ariaLabel={t('filters.marketplace')} options={MARKETPLACES.map((m) => ({ value: m, label: t(`marketplace.${m}`) }))} values={cond.marketplaces ?? []} onChange={setC('marketplaces')} />
          </Field>
          <Field label={t('filters.store')} errors={errorsAt(errors, 'conditions.channel_ids', true)}>
            <PillSelect ariaLabel={t('filters.store')} options={(channels.data ?? []).map((ch) => ({ value: ch.id, label: ch.name }))} values={cond.channel_ids ?? []} onChange={setC('channel_ids')} />
          </Field>
          <Field label={t('filters.category')} errors={errorsAt(errors, 'conditions.categories', true)}>
            <PillSelect ariaLabel={t('filters.category')} options={CATEGORIES.map((x) => ({ value: x, label: t(`category.${x}`) }))} values={cond.categories ?? []} onChange={setC('categories')} />
          </Field>
          <Field label={t('rules.customerTier')} errors={errorsAt(errors, 'conditions.customer_tiers', true)}>
            <PillSelect ariaLabel={t('rules.customerTier')} options={TIERS.map((x) => ({ value: x, label: t(`customer.tier.${x}`) }))} values={cond.customer_tiers ?? []} onChange={setC('customer_tiers')} />
          </Field>
          <div className="toggles">
            <Toggle checked={cond.outside_business_hours ?? false} onChange={setC('outside_business_hours')} label={t('rules.outsideHours')} />
            <Toggle checked={cond.on_holiday ?? false} onChange={setC('on_holiday')} label={t('rules.onHoliday')} />
            <Toggle checked={cond.first_message_only ?? false} onChange={setC('first_message_only')} label={t('rules.firstOnly')} />
          </div>
        </fieldset>

        <fieldset className="form__section">
          <legend>{t('rules.then')}</legend>
          <ActionEditor actions={actions} onChange={setActions} errorsFor={(i) => errorsAt(errors, `actions.${i}`, true)} />
          {errorsAt(errors, 'actions').map((e) => (
            <span key={e} className="ffield__error">
              {e}
            </span>
          ))}
        </fieldset>

        <fieldset className="form__section">
          <legend>{t('rules.guardrails')}</legend>
          <div className="form__grid form__grid--3">
            <Field label={t('rules.cooldown')} errors={errorsAt(errors, 'cooldown_minutes')} hint={t('rules.cooldownHint')}>
              <input type="number" min={1} max={43200} value={cooldown} onChange={(e) => setCooldown(e.target.value)} />
            </Field>
            <Field label={t('rules.quiet')} errors={errorsAt(errors, 'quiet_after_agent_minutes')} hint={t('rules.quietHint')}>
              <input type="number" min={0} max={1440} value={quiet} onChange={(e) => setQuiet(e.target.value)} />
            </Field>
            <div className="ffield">
              <span className="ffield__label">&nbsp;</span>
              <Toggle checked={stop} onChange={setStop} label={t('rules.stopAfter')} />
            </div>
          </div>
          <p className="muted form__help">{t('rules.alwaysGuarded')}</p>
        </fieldset>

        <FormProblem error={save.error} placed={['name', 'position', 'conditions', 'actions', 'cooldown_minutes', 'quiet_after_agent_minutes']} />
        <div className="form__actions">
          <button type="button" className="btn btn--sm" onClick={onClose}>
            {t('form.cancel')}
          </button>
          <button type="submit" className="btn btn--primary btn--sm" disabled={save.isPending || !name.trim() || actions.some(actionIncomplete)} data-testid="rule-save">
            {t('form.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
