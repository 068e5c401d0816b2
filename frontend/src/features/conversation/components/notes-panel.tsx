import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { useUserNames } from '@/hooks/use-directory';
import { formatDateTime } from '@/lib/format';
import { useAddNote, type NoteCreate } from '../api/notes';
import type { ConversationDetail } from '../api/get-conversation';

type Mention = NonNullable<ConversationDetail['notes'][number]['mentions']>[number];

/** The note's text with each @mention as the server found it (the colleague was notified). */
function NoteBody({ body, mentions }: { body: string; mentions: readonly Mention[] }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const m of [...mentions].sort((a, b) => a.start - b.start)) {
    if (m.start < at || m.end > body.length) continue;
    parts.push(body.slice(at, m.start));
    parts.push(
      <mark key={m.start} className="mention" data-testid="note-mention" data-user-id={m.user_id}>
        {body.slice(m.start, m.end)}
      </mark>,
    );
    at = m.end;
  }
  parts.push(body.slice(at));
  return <>{parts}</>;
}

/** Internal notes, and "offline contact" summaries Walmart asks for when a buyer was reached elsewhere. */
export function NotesPanel({ conversation }: { conversation: ConversationDetail }) {
  const { t, i18n } = useTranslation();
  const addNote = useAddNote(conversation.id);
  const userNames = useUserNames();
  const [body, setBody] = useState('');
  const [kind, setKind] = useState<NoteCreate['kind']>('note');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!body.trim()) return;
    addNote.mutate({ body: body.trim(), kind }, { onSuccess: () => setBody('') });
  };

  return (
    <section className="side-section" data-testid="notes-panel">
      <h3 className="side-section__title">
        {t('notes.title')} <span className="muted">{conversation.notes.length || ''}</span>
      </h3>
      <ul className="notes">
        {conversation.notes.map((n) => (
          <li key={n.id} className={`note note--${n.kind}`}>
            <div className="note__head">
              <span>{n.author_user_id ? (userNames.get(n.author_user_id) ?? t('thread.agent')) : t('notes.api')}</span>
              {n.kind === 'offline_contact' ? <span className="tag tag--muted">{t('notes.offline')}</span> : null}
              <time>{formatDateTime(n.created_at, i18n.language)}</time>
            </div>
            <div className="note__body">
              <NoteBody body={n.body} mentions={n.mentions ?? []} />
            </div>
          </li>
        ))}
      </ul>
      <form className="note-form" onSubmit={submit}>
        <textarea
          rows={2}
          value={body}
          placeholder={t('notes.placeholder')}
          aria-label={t('notes.placeholder')}
          title={t('notes.mentionHint')}
          onChange={(e) => setBody(e.target.value)}
        />
        <div className="note-form__row">
          <label className="checkbox">
            <input type="checkbox" checked={kind === 'offline_contact'} onChange={(e) => setKind(e.target.checked ? 'offline_contact' : 'note')} />
            {t('notes.offlineToggle')}
          </label>
          <button type="submit" className="btn btn--sm" disabled={!body.trim() || addNote.isPending}>
            {t('notes.add')}
          </button>
        </div>
        {addNote.error ? <ErrorNotice error={addNote.error} /> : null}
      </form>
    </section>
  );
}
