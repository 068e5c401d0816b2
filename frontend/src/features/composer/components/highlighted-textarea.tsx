import { forwardRef, useMemo, useRef, type KeyboardEvent } from 'react';
import type { Violation } from '@/lib/problem';
import { splitByRanges } from '@/lib/text-ranges';

interface HighlightedTextareaProps {
  value: string;
  onChange: (value: string) => void;
  onKeyDown: (e: KeyboardEvent<HTMLTextAreaElement>) => void;
  /** violations whose offsets refer to `value` exactly; none while the lint is catching up */
  violations: readonly Violation[];
  placeholder: string;
  label: string;
  testId?: string;
}

/**
 * A textarea over a mirror of its own text in which the offending ranges are marked, so compliance
 * problems are underlined in place while typing (the textarea itself cannot style ranges).
 */
export const HighlightedTextarea = forwardRef<HTMLTextAreaElement, HighlightedTextareaProps>(function HighlightedTextarea(
  { value, onChange, onKeyDown, violations, placeholder, label, testId = 'composer-input' },
  ref,
) {
  const backdropRef = useRef<HTMLDivElement>(null);
  const segments = useMemo(() => splitByRanges(value, violations), [value, violations]);
  return (
    <div className="hl-editor">
      <div className="hl-editor__backdrop" ref={backdropRef} aria-hidden>
        {segments.map((s, i) =>
          s.range >= 0 ? (
            <mark key={i} className={`hl hl--${violations[s.range]?.severity ?? 'error'}`}>
              {s.text}
            </mark>
          ) : (
            <span key={i}>{s.text}</span>
          ),
        )}
        {/* A trailing line break keeps the mirror as tall as the textarea when the text ends in one. */}
        {'\n'}
      </div>
      <textarea
        ref={ref}
        className="hl-editor__input"
        data-testid={testId}
        value={value}
        placeholder={placeholder}
        aria-label={label}
        rows={5}
        spellCheck
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        onScroll={(e) => {
          if (backdropRef.current) backdropRef.current.scrollTop = e.currentTarget.scrollTop;
        }}
      />
    </div>
  );
});
