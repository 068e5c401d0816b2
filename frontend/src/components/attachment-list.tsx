import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { downloadAttachment, formatBytes, isPreviewable, useAttachmentImage, type AttachmentRef } from '@/hooks/use-attachments';

function Thumbnail({ attachment }: { attachment: AttachmentRef }) {
  const { t } = useTranslation();
  const image = useAttachmentImage(attachment.id, true);
  const alt = t('attachments.imageAlt', { name: attachment.filename });
  return (
    <button
      type="button"
      className="attachment attachment--image"
      data-testid="attachment-image"
      title={t('attachments.download', { name: attachment.filename })}
      onClick={() => void downloadAttachment(attachment.id, attachment.filename)}
    >
      {image.data ? (
        <img src={image.data} alt={alt} className="attachment__thumb" loading="lazy" />
      ) : (
        <span className="attachment__placeholder" role="img" aria-label={alt}>
          {image.isError ? t('attachments.previewFailed') : t('attachments.loading')}
        </span>
      )}
    </button>
  );
}

/** A message's files: images as thumbnails (with alt text), others as download buttons with their size. */
export function AttachmentList({ attachments }: { attachments: AttachmentRef[] }) {
  const { t, i18n } = useTranslation();
  const [failed, setFailed] = useState<string | null>(null);
  if (attachments.length === 0) return null;
  return (
    <div className="msg__attachments" data-testid="message-attachments">
      <ul className="attachment-list" aria-label={t('thread.attachments', { count: attachments.length })}>
        {attachments.map((a) => (
          <li key={a.id} data-testid="attachment" data-status={a.status}>
            {isPreviewable(a) ? (
              <Thumbnail attachment={a} />
            ) : a.status === 'stored' ? (
              <button
                type="button"
                className="btn btn--sm attachment attachment--file"
                data-testid="attachment-download"
                onClick={() =>
                  void downloadAttachment(a.id, a.filename).catch(() => setFailed(a.id))
                }
              >
                {t('attachments.fileLabel', { name: a.filename, size: formatBytes(a.size, i18n.language) })}
              </button>
            ) : a.status === 'pending' ? (
              <span className="attachment attachment--pending">{t('attachments.pending', { name: a.filename })}</span>
            ) : (
              <span className="attachment attachment--failed" data-testid="attachment-failed">
                {t('attachments.failed', { name: a.filename, reason: a.failure_reason ?? '' })}
              </span>
            )}
            {failed === a.id ? (
              <span role="alert" className="attachment__error">
                {t('attachments.downloadFailed')}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
