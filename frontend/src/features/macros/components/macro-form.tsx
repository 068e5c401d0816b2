import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ChipsInput, Dialog, Field, FormProblem } from '@/components/form';
import { useTeams, useUsers } from '@/hooks/use-directory';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { useSaveMacro, useTemplateChoices, type Macro, type MacroActions, type MacroCreate } from '../api/macros';
import { templateName } from '@/lib/explain-wording';

type Status = NonNullable<MacroActions['status']>;
type Priority = NonNullable<MacroActions['priority']>;
type Category = NonNullable<MacroActions['category']>;
type AssignTo = NonNullable<MacroActions['assign_to']>;

const STATUSES: readonly Status[] = ['open', 'pending', 'resolved'];
const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];
const CATEGORIES: readonly Category[] = [
  'uncategorized',
  'pre_sale',
  'order_status',
  'shipping',
  'return_refund',
  'cancel',
  'damaged',
  'complaint',
  'product_question',
  'walmart_customer_care',
  'platform_notice',
  'spam_likely',
];

type SnoozeMode = 'none' | 'reply' | 'hours';
type ReplyMode = 'none' | 'template' | 'text';

interface FormState {
  name: string;
  description: string;
  visibility: MacroCreate['visibility'];
  team_id: string;
  status: Status | '';
  priority: Priority | '';
  category: Category | '';
  add_labels: string[];
  remove_labels: string[];
  assign_to: AssignTo | '';
  assignee_id: string;
  snooze: SnoozeMode;
  hours: number;
  note: string;
  reply: ReplyMode;
  template_id: string;
  text: string;
}

function fromMacro(m: Macro | null): FormState {
  const a = m?.actions;
  return {
    name: m?.name ?? '',
    description: m?.description ?? '',
    visibility: m?.visibility ?? 'personal',
    team_id: m?.team_id ?? '',
    status: a?.status ?? '',
    priority: a?.priority ?? '',
    category: a?.category ?? '',
    add_labels: a?.add_labels ?? [],
    remove_labels: a?.remove_labels ?? [],
    assign_to: a?.assign_to ?? '',
    assignee_id: a?.assignee_id ?? '',
    snooze: a?.snooze ? (a.snooze.hours ? 'hours' : 'reply') : 'none',
    hours: a?.snooze?.hours ?? 24,
    note: a?.note ?? '',
    reply: a?.reply?.template_id ? 'template' : a?.reply?.text ? 'text' : 'none',
    template_id: a?.reply?.template_id ?? '',
    text: a?.reply?.text ?? '',
  };
}

/** The request body: only the actions the form sets (empty ones are "no change"). */
export function toBody(f: FormState): MacroCreate {
  const actions: MacroActions = {};
  if (f.status) actions.status = f.status;
  if (f.priority) actions.priority = f.priority;
  if (f.category) actions.category = f.category;
  if (f.add_labels.length) actions.add_labels = f.add_labels;
  if (f.remove_labels.length) actions.remove_labels = f.remove_labels;
  if (f.assign_to) actions.assign_to = f.assign_to;
  if (f.assign_to === 'user' && f.assignee_id) actions.assignee_id = f.assignee_id;
  if (f.snooze !== 'none') actions.snooze = { hours: f.snooze === 'hours' ? f.hours : null };
  if (f.note.trim()) actions.note = f.note;
  if (f.reply === 'template') actions.reply = { template_id: f.template_id || null };
  if (f.reply === 'text') actions.reply = { text: f.text };
  return {
    name: f.name,
    description: f.description,
    visibility: f.visibility,
    team_id: f.visibility === 'team' ? f.team_id || null : null,
    actions,
  };
}

/** Create or edit a macro: its name and sharing, then the action builder (each action optional). */
export function MacroForm({ macro, canShareOrg, onClose }: { macro: Macro | null; canShareOrg: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const [f, setF] = useState<FormState>(() => fromMacro(macro));
  const save = useSaveMacro();
  const teams = useTeams();
  const users = useUsers();
  const templates = useTemplateChoices();
  const errors = fieldErrorsOf(save.error);
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setF((prev) => ({ ...prev, [key]: value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ id: macro?.id ?? null, body: toBody(f) }, { onSuccess: onClose });
  };
  const placed = [
    'name',
    'description',
    'visibility',
    'team_id',
    'actions.status',
    'actions.priority',
    'actions.category',
    'actions.add_labels',
    'actions.remove_labels',
    'actions.assign_to',
    'actions.assignee_id',
    'actions.snooze.hours',
    'actions.note',
    'actions.reply',
    'actions.reply.template_id',
    'actions.reply.text',
  ];
  return (
    <Dialog
      title={macro ? t('macros.edit') : t('macros.new')}
      onClose={onClose}
      wide
      testId="macro-form"
      footer={
        <button type="submit" form="macro-form" className="btn btn--primary btn--sm" data-testid="macro-save" disabled={save.isPending}>
          {save.isPending ? t('form.saving') : t('macros.save')}
        </button>
      }
    >
      <form id="macro-form" className="macro-form" onSubmit={submit} noValidate>
        <Field label={t('macros.name')} errors={errorsAt(errors, 'name')}>
          <input value={f.name} maxLength={100} required data-testid="macro-name" onChange={(e) => set('name', e.target.value)} />
        </Field>
        <Field label={t('macros.description')} errors={errorsAt(errors, 'description')}>
          <input value={f.description} maxLength={500} onChange={(e) => set('description', e.target.value)} />
        </Field>
        <div className="macro-form__row">
          <Field label={t('macros.visibility')} errors={errorsAt(errors, 'visibility')}>
            <select value={f.visibility} data-testid="macro-visibility" onChange={(e) => set('visibility', e.target.value as FormState['visibility'])}>
              <option value="personal">{t('macros.vis.personal')}</option>
              <option value="team">{t('macros.vis.team')}</option>
              {canShareOrg || f.visibility === 'org' ? <option value="org">{t('macros.vis.org')}</option> : null}
            </select>
          </Field>
          {f.visibility === 'team' ? (
            <Field label={t('macros.team')} errors={errorsAt(errors, 'team_id')}>
              <select value={f.team_id} onChange={(e) => set('team_id', e.target.value)}>
                <option value="">{t('macros.chooseTeam')}</option>
                {(teams.data ?? []).map((team) => (
                  <option key={team.id} value={team.id}>
                    {team.name}
                  </option>
                ))}
              </select>
            </Field>
          ) : null}
        </div>

        <fieldset className="macro-form__actions">
          <legend>{t('macros.actions')}</legend>
          <p className="muted">{t('macros.actionsHint')}</p>
          {errorsAt(errors, 'actions').map((reason) => (
            <div key={reason} className="ffield__error" role="alert">
              {reason}
            </div>
          ))}
          <div className="macro-form__row">
            <Field label={t('macros.status')} errors={errorsAt(errors, 'actions.status')}>
              <select value={f.status} data-testid="macro-status" onChange={(e) => set('status', e.target.value as FormState['status'])}>
                <option value="">{t('macros.noChange')}</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`status.${s}`)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('macros.priority')} errors={errorsAt(errors, 'actions.priority')}>
              <select value={f.priority} data-testid="macro-priority" onChange={(e) => set('priority', e.target.value as FormState['priority'])}>
                <option value="">{t('macros.noChange')}</option>
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {t(`priority.${p}`)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('macros.category')} errors={errorsAt(errors, 'actions.category')}>
              <select value={f.category} onChange={(e) => set('category', e.target.value as FormState['category'])}>
                <option value="">{t('macros.noChange')}</option>
                {CATEGORIES.map((c) => (
                  <option key={c} value={c}>
                    {t(`category.${c}`)}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <div className="macro-form__row">
            <Field label={t('macros.addLabels')} errors={errorsAt(errors, 'actions.add_labels', true)}>
              <ChipsInput values={f.add_labels} onChange={(v) => set('add_labels', v)} ariaLabel={t('macros.addLabels')} testId="macro-add-labels" />
            </Field>
            <Field label={t('macros.removeLabels')} errors={errorsAt(errors, 'actions.remove_labels', true)}>
              <ChipsInput values={f.remove_labels} onChange={(v) => set('remove_labels', v)} ariaLabel={t('macros.removeLabels')} />
            </Field>
          </div>
          <div className="macro-form__row">
            <Field label={t('macros.assign')} errors={errorsAt(errors, 'actions.assign_to')}>
              <select value={f.assign_to} data-testid="macro-assign" onChange={(e) => set('assign_to', e.target.value as FormState['assign_to'])}>
                <option value="">{t('macros.noChange')}</option>
                <option value="me">{t('macros.assignTo.me')}</option>
                <option value="user">{t('macros.assignTo.user')}</option>
                <option value="nobody">{t('macros.assignTo.nobody')}</option>
              </select>
            </Field>
            {f.assign_to === 'user' ? (
              <Field label={t('macros.assignee')} errors={errorsAt(errors, 'actions.assignee_id')}>
                <select value={f.assignee_id} onChange={(e) => set('assignee_id', e.target.value)}>
                  <option value="">{t('macros.choosePerson')}</option>
                  {(users.data ?? [])
                    .filter((u) => u.is_active)
                    .map((u) => (
                      <option key={u.id} value={u.id}>
                        {u.name}
                      </option>
                    ))}
                </select>
              </Field>
            ) : null}
          </div>
          <div className="macro-form__row">
            <Field label={t('macros.snooze')}>
              <select value={f.snooze} onChange={(e) => set('snooze', e.target.value as SnoozeMode)}>
                <option value="none">{t('macros.snoozeMode.none')}</option>
                <option value="reply">{t('macros.snoozeMode.reply')}</option>
                <option value="hours">{t('macros.snoozeMode.hours')}</option>
              </select>
            </Field>
            {f.snooze === 'hours' ? (
              <Field label={t('macros.snoozeHours')} errors={errorsAt(errors, 'actions.snooze.hours')}>
                <input type="number" min={1} max={2160} value={f.hours} onChange={(e) => set('hours', Number(e.target.value))} />
              </Field>
            ) : null}
          </div>
          <Field label={t('macros.note')} errors={errorsAt(errors, 'actions.note')}>
            <textarea rows={2} value={f.note} maxLength={20000} onChange={(e) => set('note', e.target.value)} />
          </Field>
          <div className="macro-form__row">
            <Field label={t('macros.reply')} errors={errorsAt(errors, 'actions.reply')}>
              <select value={f.reply} data-testid="macro-reply-mode" onChange={(e) => set('reply', e.target.value as ReplyMode)}>
                <option value="none">{t('macros.replyMode.none')}</option>
                <option value="template">{t('macros.replyMode.template')}</option>
                <option value="text">{t('macros.replyMode.text')}</option>
              </select>
            </Field>
            {f.reply === 'template' ? (
              <Field label={t('macros.template')} errors={errorsAt(errors, 'actions.reply.template_id')}>
                <select value={f.template_id} data-testid="macro-template" onChange={(e) => set('template_id', e.target.value)}>
                  <option value="">{t('macros.chooseTemplate')}</option>
                  {(templates.data ?? []).map((tpl) => (
                    <option key={tpl.id} value={tpl.id}>
                      {templateName(t, tpl)} ({tpl.language})
                    </option>
                  ))}
                </select>
              </Field>
            ) : null}
          </div>
          {f.reply === 'text' ? (
            <Field
              label={t('macros.replyText')}
              hint={t('macros.replyTextHint', { example: '{{ customer_name }}', interpolation: { escapeValue: false } })}
              errors={errorsAt(errors, 'actions.reply.text')}
            >
              <textarea rows={4} value={f.text} maxLength={20000} data-testid="macro-reply-text-input" onChange={(e) => set('text', e.target.value)} />
            </Field>
          ) : null}
        </fieldset>
        <FormProblem error={save.error} placed={placed} />
      </form>
    </Dialog>
  );
}
