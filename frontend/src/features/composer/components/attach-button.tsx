import { useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { formatBytes, useUploadAttachment, type AttachmentRead } from '@/hooks/use-attachments';

interface AttachButtonProps {
  attachments: AttachmentRead[];
  onChange: (next: AttachmentRead[]) => void;
  disabled?: boolean;
}

/** Attach files to the reply: each is uploaded at once and shown as a chip that can be removed. */
export function AttachButton({ attachments, onChange, disabled = false }: AttachButtonProps) {
  const { t, i18n } = useTranslation();
  const upload = useUploadAttachment();
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const latest = useRef(attachments);
  latest.current = attachments;

  const pick = async (files: FileList | null) => {
    const chosen = Array.from(files ?? []);
    if (input.current) input.current.value = '';
    // One after the other: each file's chip appears as its upload finishes (a failure stops the rest
    // and is shown; the files already uploaded stay attached).
    for (const file of chosen) {
      try {
        const stored = await upload.mutateAsync(file);
        latest.current = [...latest.current, stored];
        onChange(latest.current);
      } catch {
        return;
      }
    }
  };

  return (
    <div className="composer__attachments">
      <input
        ref={input}
        id={inputId}
        type="file"
        multiple
        className="visually-hidden"
        data-testid="attach-input"
        disabled={disabled || upload.isPending}
        onChange={(e) => void pick(e.target.files)}
      />
      <label htmlFor={inputId} className={`btn btn--sm${disabled ? ' is-disabled' : ''}`} data-testid="attach-button">
        {upload.isPending ? t('attachments.uploading') : t('attachments.attach')}
      </label>
      {attachments.length > 0 ? (
        <ul className="chips" aria-label={t('attachments.attached')} data-testid="attach-chips">
          {attachments.map((a) => (
            <li key={a.id} className="chip" data-testid="attach-chip">
              <span>
                {a.filename} <span className="chip__meta">{formatBytes(a.size, i18n.language)}</span>
              </span>
              <button
                type="button"
                className="chip__remove"
                aria-label={t('attachments.remove', { name: a.filename })}
                onClick={() => {
                  latest.current = latest.current.filter((x) => x.id !== a.id);
                  onChange(latest.current);
                }}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {upload.error ? <ErrorNotice error={upload.error} /> : null}
    </div>
  );
}
