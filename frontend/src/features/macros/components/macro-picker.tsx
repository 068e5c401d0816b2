import { useId, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FormProblem } from '@/components/form';
import { useUserNames } from '@/hooks/use-directory';
import { formatDateTime } from '@/lib/format';
import { excerpt } from '@/lib/text-ranges';
import { useApplyMacro, useMacroPreview, useMacros, useTemplateChoices, type Macro } from '../api/macros';
import { describeChange, summarizeActions } from '../lib/describe';

/** Why a macro cannot be applied, by the field the server names (its own words otherwise). */
const PROBLEM_KEYS: Record<string, string> = {
  'conversation.channel': 'channel',
  'actions.assignee_id': 'assignee',
  'actions.reply.template_id': 'template',
  'actions.add_labels': 'labels',
  'actions.reply': 'reply',
};

/**
 * Pick a macro for the open conversation (an ARIA 1.2 combobox with a listbox popup: arrows move,
 * Enter picks, Esc closes), read what it would change and the reply it would send, then Apply.
 */
export function MacroPicker({ conversationId }: { conversationId: string }) {
  const { t, i18n } = useTranslation();
  const macros = useMacros();
  const templates = useTemplateChoices();
  const userNames = useUserNames();
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [chosen, setChosen] = useState<Macro | null>(null);
  const [applied, setApplied] = useState<string | null>(null);
  const preview = useMacroPreview(conversationId, chosen?.id ?? null);
  const apply = useApplyMacro(conversationId);
  const listId = useId();
  const labelId = useId();
  const previewId = useId();

  const all = macros.data ?? [];
  if (all.length === 0) return null;
  const needle = query.trim().toLowerCase();
  const matches = all.filter((m) => !needle || m.name.toLowerCase().includes(needle) || m.description.toLowerCase().includes(needle));
  const optionId = (m: Macro) => `${listId}-opt-${m.id}`;
  const current = matches[Math.min(active, matches.length - 1)];
  const names = {
    user: (id: string) => userNames.get(id),
    template: (id: string) => (templates.data ?? []).find((x) => x.id === id)?.name,
  };

  const choose = (m: Macro) => {
    setChosen(m);
    setApplied(null);
    apply.reset();
    setOpen(false);
    setQuery(m.name);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!open) setOpen(true);
      else setActive((i) => Math.min(i + 1, matches.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      setActive((i) => Math.max(i - 1, 0));
    } else if (e.key === 'Enter') {
      if (open && current) {
        e.preventDefault();
        choose(current);
      }
    } else if (e.key === 'Escape') {
      if (open || chosen) {
        // Ours to handle: the workspace must not close the conversation on this Esc.
        e.preventDefault();
        if (open) setOpen(false);
        else setChosen(null);
      }
    }
  };
  const doApply = () => {
    if (!chosen) return;
    const name = chosen.name;
    apply.mutate(chosen.id, {
      onSuccess: () => {
        setApplied(name);
        setChosen(null);
        setQuery('');
      },
    });
  };
  const p = preview.data;

  return (
    <div className="macro-picker" data-testid="macro-picker">
      <label id={labelId} className="macro-picker__label" htmlFor={`${listId}-input`}>
        {t('macros.picker.label')}
      </label>
      <div className="macro-picker__box">
        <input
          id={`${listId}-input`}
          type="text"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={listId}
          aria-activedescendant={open && current ? optionId(current) : undefined}
          placeholder={t('macros.picker.placeholder')}
          autoComplete="off"
          value={query}
          data-testid="macro-picker-input"
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
            setOpen(true);
          }}
          onClick={() => setOpen(true)}
          onBlur={() => setOpen(false)}
          onKeyDown={onKeyDown}
        />
        <ul id={listId} role="listbox" aria-labelledby={labelId} className="macro-picker__list" hidden={!open}>
          {matches.map((m) => (
            <li
              key={m.id}
              id={optionId(m)}
              role="option"
              aria-selected={current?.id === m.id}
              className={`macro-picker__option${current?.id === m.id ? ' is-active' : ''}`}
              data-testid="macro-option"
              // mousedown, not click: the input's blur would close the list first.
              onMouseDown={(e) => {
                e.preventDefault();
                choose(m);
              }}
            >
              <span className="macro-picker__name">{m.name}</span>
              <span className="muted macro-picker__what">{summarizeActions(m.actions, t, names).join(' · ')}</span>
            </li>
          ))}
          {matches.length === 0 ? (
            <li role="option" aria-disabled="true" aria-selected="false" className="muted macro-picker__option">
              {t('macros.picker.none')}
            </li>
          ) : null}
        </ul>
      </div>
      {applied ? (
        <div className="muted" role="status" data-testid="macro-applied">
          {t('macros.picker.applied', { name: applied })}
        </div>
      ) : null}
      {chosen ? (
        <section className="macro-preview card" aria-labelledby={previewId} data-testid="macro-preview">
          <h3 id={previewId}>{t('macros.picker.preview', { name: chosen.name })}</h3>
          <div aria-live="polite">
            {preview.isPending ? <div className="muted">{t('macros.picker.loading')}</div> : null}
            {preview.error ? <FormProblem error={preview.error} /> : null}
          </div>
          {p ? (
            <>
              {p.changes.length ? (
                <ul className="macro-preview__changes" data-testid="macro-changes">
                  {p.changes.map((c) => (
                    <li key={c.field}>{describeChange(c, t, (iso) => formatDateTime(iso, i18n.language))}</li>
                  ))}
                </ul>
              ) : (
                !p.reply && <p className="muted">{t('macros.picker.nothing')}</p>
              )}
              {p.reply ? (
                <div className="macro-preview__reply">
                  <h4>{t('macros.picker.replyTitle')}</h4>
                  <blockquote data-testid="macro-reply-text">{p.reply.text}</blockquote>
                  {p.reply.violations.length ? (
                    <ul className="macro-preview__violations">
                      {p.reply.violations.map((v) => (
                        <li key={`${v.code}:${v.start}`} className={v.severity === 'error' ? 'macro-preview__error' : 'muted'} title={v.message}>
                          {t(`compliance.code.${v.code}`, {
                            excerpt: excerpt(p.reply?.text ?? '', v.start, v.end),
                            marketplace: t(`marketplace.${v.marketplace}`, { defaultValue: v.marketplace }),
                            defaultValue: v.message,
                          })}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </div>
              ) : null}
              {!p.can_apply ? (
                <div className="notice notice--error" role="alert" data-testid="macro-problems">
                  <div>{p.reply?.blocked ? t('macros.picker.blocked') : t('macros.picker.cannot')}</div>
                  <ul>
                    {p.problems
                      // The linter's findings are listed (translated) with the reply above.
                      .filter((e) => !(p.reply?.blocked && e.field === 'actions.reply'))
                      .map((e) => (
                        <li key={`${e.field}:${e.reason}`} title={e.reason}>
                          {t(`macros.problem.${PROBLEM_KEYS[e.field] ?? 'other'}`, { reason: e.reason })}
                        </li>
                      ))}
                  </ul>
                </div>
              ) : null}
            </>
          ) : null}
          {apply.error ? (
            <>
              <div className="muted">{t('macros.picker.failed')}</div>
              <FormProblem error={apply.error} />
            </>
          ) : null}
          <div className="macro-preview__actions">
            <button
              type="button"
              className="btn btn--primary btn--sm"
              data-testid="macro-apply"
              disabled={!p?.can_apply || apply.isPending}
              onClick={doApply}
            >
              {apply.isPending ? t('macros.picker.applying') : t('macros.picker.apply')}
            </button>
            <button
              type="button"
              className="btn btn--sm"
              onClick={() => {
                setChosen(null);
                setQuery('');
              }}
            >
              {t('macros.picker.cancel')}
            </button>
          </div>
        </section>
      ) : null}
    </div>
  );
}
