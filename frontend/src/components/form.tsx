import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { splitDuration, toSeconds, type DurationUnit } from '@/lib/duration';
import { fieldErrorsOf, unplacedErrors } from '@/lib/field-errors';
import { ApiError } from '@/lib/problem';

/**
 * Small form parts shared by the settings pages: a labelled field with the API's reasons under it,
 * the problem summary, chips, toggles, a modal dialog, a secret shown once, a duration input.
 */
export function Field({
  label,
  errors = [],
  hint,
  children,
  className = '',
  testId,
}: {
  label: ReactNode;
  errors?: readonly string[];
  hint?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <label className={`ffield${errors.length ? ' has-error' : ''} ${className}`} data-testid={testId}>
      <span className="ffield__label">{label}</span>
      {children}
      {errors.map((e) => (
        <span key={e} className="ffield__error" role="alert">
          {e}
        </span>
      ))}
      {hint ? <span className="ffield__hint">{hint}</span> : null}
    </label>
  );
}

/** The problem's detail and the field errors no input shows (inputs show their own). */
export function FormProblem({ error, placed = [] }: { error: unknown; placed?: readonly string[] }) {
  const { t } = useTranslation();
  if (!error) return null;
  if (!(error instanceof ApiError)) {
    return (
      <div className="notice notice--error" role="alert">
        {t('common.networkError')}
      </div>
    );
  }
  const map = fieldErrorsOf(error);
  const rest = unplacedErrors(map, placed);
  const allPlaced = map.size > 0 && rest.length === 0;
  return (
    <div className="notice notice--error" role="alert" data-testid="form-problem">
      <div>{allPlaced ? t('form.fixFields') : error.message}</div>
      {rest.length > 0 && map.size > 0 ? (
        <ul>
          {rest.map((f) => (
            <li key={`${f.field}:${f.reason}`}>
              {f.field ? <code>{f.field}</code> : null} {f.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Dialog({
  title,
  onClose,
  children,
  footer,
  wide = false,
  testId,
}: {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    const first = ref.current?.querySelector<HTMLElement>('input:not([type=hidden]), select, textarea');
    first?.focus();
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={ref} className={`dialog${wide ? ' dialog--wide' : ''}`} role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid={testId}>
        <header className="dialog__head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="btn btn--ghost btn--sm" aria-label={t('common.close')} onClick={onClose}>
            ✕
          </button>
        </header>
        <div className="dialog__body">{children}</div>
        {footer ? <footer className="dialog__foot">{footer}</footer> : null}
      </div>
    </div>
  );
}

/** Free-text values as chips: Enter or comma adds, Backspace on an empty input removes the last. */
export function ChipsInput({
  values,
  onChange,
  placeholder,
  ariaLabel,
  testId,
}: {
  values: readonly string[];
  onChange: (values: string[]) => void;
  placeholder?: string;
  ariaLabel: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState('');
  const commit = () => {
    const v = draft.trim();
    if (v && !values.includes(v)) onChange([...values, v]);
    setDraft('');
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',' || e.key === '，') {
      e.preventDefault();
      commit();
    } else if (e.key === 'Backspace' && !draft && values.length) {
      onChange(values.slice(0, -1));
    }
  };
  return (
    <div className="chips-input" data-testid={testId}>
      {values.map((v) => (
        <span key={v} className="chip">
          {v}
          <button type="button" className="chip__remove" aria-label={t('form.removeValue', { value: v })} onClick={() => onChange(values.filter((x) => x !== v))}>
            ×
          </button>
        </span>
      ))}
      <input
        value={draft}
        aria-label={ariaLabel}
        placeholder={values.length ? '' : placeholder}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKeyDown}
        onBlur={commit}
      />
    </div>
  );
}

export interface Option<T extends string = string> {
  value: T;
  label: ReactNode;
}

/** A set of values as toggle pills (marketplaces, categories…). Empty means "any". */
export function PillSelect<T extends string>({
  options,
  values,
  onChange,
  ariaLabel,
  testId,
}: {
  options: readonly Option<T>[];
  values: readonly string[];
  onChange: (values: T[]) => void;
  ariaLabel: string;
  testId?: string;
}) {
  return (
    <div className="pills" role="group" aria-label={ariaLabel} data-testid={testId}>
      {options.map((o) => {
        const on = values.includes(o.value);
        return (
          <button
            key={o.value}
            type="button"
            className={`pill-toggle${on ? ' is-on' : ''}`}
            aria-pressed={on}
            onClick={() => onChange((on ? values.filter((v) => v !== o.value) : [...values, o.value]) as T[])}
          >
            {o.label}
          </button>
        );
      })}
    </div>
  );
}

export function Toggle({ checked, onChange, label, testId, disabled }: { checked: boolean; onChange: (v: boolean) => void; label: ReactNode; testId?: string; disabled?: boolean }) {
  return (
    <label className="toggle" data-testid={testId}>
      <input type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

export function Segmented<T extends string | number>({
  options,
  value,
  onChange,
  ariaLabel,
  testId,
}: {
  options: readonly { value: T; label: ReactNode }[];
  value: T;
  onChange: (v: T) => void;
  ariaLabel: string;
  testId?: string;
}) {
  return (
    <div className="segmented" role="radiogroup" aria-label={ariaLabel} data-testid={testId}>
      {options.map((o) => (
        <button key={String(o.value)} type="button" role="radio" aria-checked={o.value === value} className={o.value === value ? 'is-active' : ''} onClick={() => onChange(o.value)}>
          {o.label}
        </button>
      ))}
    </div>
  );
}

/** A secret the API shows once (API key, webhook signing secret): copy it now. */
export function SecretOnce({ secret, testId }: { secret: string; testId?: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <div className="secret-once" data-testid={testId}>
      <div className="notice notice--warn">{t('form.secretOnce')}</div>
      <div className="secret-once__row">
        <code className="secret-once__value" data-testid="secret-value">
          {secret}
        </code>
        <button
          type="button"
          className="btn btn--sm"
          onClick={() => {
            void navigator.clipboard?.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {copied ? t('form.copied') : t('form.copy')}
        </button>
      </div>
    </div>
  );
}

/** A duration in seconds edited as a number and a unit; empty means "none" when allowed. */
export function DurationInput({
  seconds,
  onChange,
  allowEmpty = false,
  ariaLabel,
  testId,
}: {
  seconds: number | null;
  onChange: (seconds: number | null) => void;
  allowEmpty?: boolean;
  ariaLabel: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  const initial = seconds === null ? { value: NaN, unit: 'hours' as DurationUnit } : splitDuration(seconds);
  const [unit, setUnit] = useState<DurationUnit>(initial.unit);
  const [text, setText] = useState(seconds === null ? '' : String(initial.value));
  // Follow outside changes (a reset) without fighting the user's typing.
  useEffect(() => {
    const current = text.trim() === '' ? null : toSeconds(Number(text), unit);
    if (current !== seconds) {
      if (seconds === null) setText('');
      else {
        const s = splitDuration(seconds);
        setUnit(s.unit);
        setText(String(s.value));
      }
    }
  }, [seconds]);
  const emit = (nextText: string, nextUnit: DurationUnit) => {
    if (nextText.trim() === '') onChange(allowEmpty ? null : 0);
    else {
      const n = Number(nextText);
      if (Number.isFinite(n)) onChange(toSeconds(n, nextUnit));
    }
  };
  return (
    <span className="duration-input" data-testid={testId}>
      <input
        type="number"
        min={0}
        step="any"
        value={text}
        aria-label={ariaLabel}
        placeholder={allowEmpty ? t('form.none') : ''}
        onChange={(e) => {
          setText(e.target.value);
          emit(e.target.value, unit);
        }}
      />
      <select
        value={unit}
        aria-label={t('form.unit')}
        onChange={(e) => {
          const u = e.target.value as DurationUnit;
          setUnit(u);
          emit(text, u);
        }}
      >
        <option value="minutes">{t('form.units.minutes')}</option>
        <option value="hours">{t('form.units.hours')}</option>
        <option value="days">{t('form.units.days')}</option>
      </select>
    </span>
  );
}

/** A button that asks once more before doing something hard to undo. */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  className = 'btn btn--sm',
  disabled,
  testId,
}: {
  label: ReactNode;
  confirmLabel: ReactNode;
  onConfirm: () => void;
  className?: string;
  disabled?: boolean;
  testId?: string;
}) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const timer = setTimeout(() => setArmed(false), 4000);
    return () => clearTimeout(timer);
  }, [armed]);
  return (
    <button
      type="button"
      className={`${className}${armed ? ' is-armed' : ''}`}
      disabled={disabled}
      data-testid={testId}
      onClick={() => {
        if (armed) {
          setArmed(false);
          onConfirm();
        } else setArmed(true);
      }}
    >
      {armed ? confirmLabel : label}
    </button>
  );
}
