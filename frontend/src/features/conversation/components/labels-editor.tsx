import { useState } from 'react';
import { useTranslation } from 'react-i18next';

interface LabelsEditorProps {
  labels: readonly string[];
  onChange: (labels: string[]) => void;
  disabled?: boolean;
}

const MAX_LABEL_LENGTH = 64;

export function LabelsEditor({ labels, onChange, disabled }: LabelsEditorProps) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState('');

  const add = () => {
    const label = draft.trim().slice(0, MAX_LABEL_LENGTH);
    setDraft('');
    if (label && !labels.includes(label)) onChange([...labels, label]);
  };

  return (
    <div className="labels" data-testid="labels">
      {labels.map((label) => (
        <span key={label} className="chip">
          {label}
          <button
            type="button"
            className="chip__remove"
            aria-label={t('actions.removeLabel', { label })}
            disabled={disabled}
            onClick={() => onChange(labels.filter((l) => l !== label))}
          >
            ×
          </button>
        </span>
      ))}
      <input
        className="labels__input"
        value={draft}
        placeholder={t('actions.addLabel')}
        aria-label={t('actions.addLabel')}
        disabled={disabled}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            add();
          }
        }}
        onBlur={add}
      />
    </div>
  );
}
