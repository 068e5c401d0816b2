import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { emailDocument, sanitizeHtml } from '@/lib/sanitize';

/**
 * An email body: sanitised, then isolated in a sandboxed iframe (empty sandbox: no scripts, no
 * same-origin access, no forms, no popups) with a CSP that only lets images load.
 */
export function EmailBodyFrame({ html, title }: { html: string; title: string }) {
  const { t } = useTranslation();
  const [expanded, setExpanded] = useState(false);
  const srcDoc = useMemo(() => emailDocument(sanitizeHtml(html)), [html]);
  return (
    <div className="email-frame">
      <iframe
        className={`email-frame__iframe${expanded ? ' is-expanded' : ''}`}
        sandbox=""
        srcDoc={srcDoc}
        title={title}
        referrerPolicy="no-referrer"
        loading="lazy"
        data-testid="email-frame"
      />
      <button type="button" className="btn btn--link btn--sm" onClick={() => setExpanded((v) => !v)}>
        {expanded ? t('thread.collapse') : t('thread.expand')}
      </button>
    </div>
  );
}
