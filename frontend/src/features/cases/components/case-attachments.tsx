import { useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { AttachmentList } from '@/components/attachment-list';
import { FormProblem } from '@/components/form';
import { useUploadAttachment } from '@/hooks/use-attachments';
import { useUpdateCaseAttachments, type Case } from '../api/cases';

/**
 * A case's files (the buyer's photos, the agent's uploads) as the thread shows a message's: images as
 * thumbnails, other files as downloads. An agent who may edit attaches the conversation's images,
 * uploads a file, or unlinks one (the file itself stays on its message).
 */
export function CaseAttachments({ item, canEdit }: { item: Case; canEdit: boolean }) {
  const { t } = useTranslation();
  const update = useUpdateCaseAttachments();
  const upload = useUploadAttachment();
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const files = item.attachments ?? [];
  const ids = files.map((a) => a.id);
  const busy = update.isPending || upload.isPending;

  const pick = async (chosen: FileList | null) => {
    const list = Array.from(chosen ?? []);
    if (input.current) input.current.value = '';
    const added: string[] = [];
    // One after the other; a failed upload stops the rest (its problem is shown) and links what
    // was uploaded before it.
    for (const file of list) {
      try {
        added.push((await upload.mutateAsync(file)).id);
      } catch {
        break;
      }
    }
    if (added.length > 0) update.mutate({ id: item.id, body: { attachment_ids: [...ids, ...added] } });
  };

  return (
    <div className="case-card__attachments" data-testid="case-attachments">
      {files.length > 0 ? (
        <>
          <AttachmentList attachments={files} />
          {canEdit ? (
            <ul className="chips" aria-label={t('cases.attachments.linked', { count: files.length })}>
              {files.map((a) => (
                <li key={a.id} className="chip" data-testid="case-attachment-chip">
                  <span>{a.filename}</span>
                  <button
                    type="button"
                    className="chip__remove"
                    aria-label={t('cases.attachments.remove', { name: a.filename })}
                    disabled={busy}
                    onClick={() => update.mutate({ id: item.id, body: { attachment_ids: ids.filter((x) => x !== a.id) } })}
                    data-testid="case-attachment-remove"
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : (
        <div className="muted" data-testid="case-attachments-none">{t('cases.attachments.none')}</div>
      )}
      {item.legacy_attachment_refs.length > 0 ? (
        <div className="muted" data-testid="case-legacy-refs">
          {t('cases.attachments.legacy')}
          <ul>
            {item.legacy_attachment_refs.map((ref) => (
              <li key={ref} className="mono">{ref}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {canEdit ? (
        <div className="case-card__buttons">
          <button
            type="button"
            className="btn btn--sm"
            disabled={busy}
            onClick={() => update.mutate({ id: item.id, body: { attach_conversation_images: true } })}
            data-testid="case-attach-images"
          >
            {t('cases.attachments.attachImages')}
          </button>
          <input
            ref={input}
            id={inputId}
            type="file"
            multiple
            className="visually-hidden"
            disabled={busy}
            onChange={(e) => void pick(e.target.files)}
            data-testid="case-attach-input"
          />
          <label htmlFor={inputId} className={`btn btn--sm${busy ? ' is-disabled' : ''}`} data-testid="case-attach-upload">
            {upload.isPending ? t('attachments.uploading') : t('cases.attachments.upload')}
          </label>
        </div>
      ) : null}
      {update.error ? <FormProblem error={update.error} /> : null}
      {upload.error ? <FormProblem error={upload.error} /> : null}
    </div>
  );
}
