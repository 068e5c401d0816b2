/**
 * The compliance API reports offsets in Unicode code points (as Python counts), while JavaScript
 * strings index UTF-16 code units; an emoji or a rare CJK character before a link would otherwise
 * shift every highlight.
 */
export function codePointToUtf16Index(text: string, codePointOffset: number): number {
  let index = 0;
  let seen = 0;
  for (const ch of text) {
    if (seen >= codePointOffset) break;
    index += ch.length;
    seen += 1;
  }
  return index;
}

export interface Segment {
  text: string;
  /** index into the ranges array of the range covering this segment, or -1 */
  range: number;
}

/** Splits text into plain and highlighted segments for the given code-point ranges (overlaps merged left-first). */
export function splitByRanges(text: string, ranges: readonly { start: number; end: number }[]): Segment[] {
  const spans = ranges
    .map((r, i) => ({ start: codePointToUtf16Index(text, r.start), end: codePointToUtf16Index(text, r.end), i }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const segments: Segment[] = [];
  let cursor = 0;
  for (const span of spans) {
    if (span.end <= cursor) continue;
    const start = Math.max(span.start, cursor);
    if (start > cursor) segments.push({ text: text.slice(cursor, start), range: -1 });
    segments.push({ text: text.slice(start, span.end), range: span.i });
    cursor = span.end;
  }
  if (cursor < text.length || segments.length === 0) segments.push({ text: text.slice(cursor), range: -1 });
  return segments;
}

/** The text a violation points at, for messages like "link not allowed: example.com". */
export function excerpt(text: string, start: number, end: number): string {
  return text.slice(codePointToUtf16Index(text, start), codePointToUtf16Index(text, end));
}
