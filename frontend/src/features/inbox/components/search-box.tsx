import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isTypingTarget } from '../hooks/use-list-keyboard';

const SEARCH_DEBOUNCE_MS = 300;

/** Order id, subject, buyer name or any words of the thread (Chinese too). "/" jumps here. */
export function SearchBox({ value, onSearch }: { value: string; onSearch: (q: string | undefined) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(value);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => setDraft(value), [value]);

  useEffect(() => {
    if (draft.trim() === value) return;
    const timer = setTimeout(() => onSearch(draft.trim() || undefined), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft, value, onSearch]);

  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.key === '/' && !isTypingTarget(e.target) && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        inputRef.current?.focus();
        inputRef.current?.select();
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <div className="search">
      <input
        ref={inputRef}
        type="search"
        className="search__input"
        data-testid="search"
        placeholder={t('inbox.searchPlaceholder')}
        aria-label={t('inbox.search')}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            if (draft) setDraft('');
            else e.currentTarget.blur();
          }
          if (e.key === 'Enter') onSearch(draft.trim() || undefined);
        }}
      />
      <kbd className="search__hint" aria-hidden>
        /
      </kbd>
    </div>
  );
}
