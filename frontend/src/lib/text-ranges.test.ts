import { describe, expect, it } from 'vitest';
import { codePointToUtf16Index, excerpt, splitByRanges } from './text-ranges';

describe('codePointToUtf16Index', () => {
  it('is the identity for BMP text, Chinese included', () => {
    expect(codePointToUtf16Index('你好 hello', 3)).toBe(3);
  });
  it('skips both halves of astral characters (emoji)', () => {
    const text = '👍👍 see https://x.example';
    expect(codePointToUtf16Index(text, 2)).toBe(4);
    expect(excerpt(text, 7, 24)).toBe('https://x.example');
  });
  it('clamps past the end', () => {
    expect(codePointToUtf16Index('abc', 10)).toBe(3);
  });
});

describe('splitByRanges', () => {
  it('marks the offending ranges and keeps the rest as plain text', () => {
    expect(splitByRanges('mail me at a@b.co today', [{ start: 11, end: 17 }])).toEqual([
      { text: 'mail me at ', range: -1 },
      { text: 'a@b.co', range: 0 },
      { text: ' today', range: -1 },
    ]);
  });
  it('merges overlapping ranges without duplicating text', () => {
    const segments = splitByRanges('0123456789', [
      { start: 2, end: 6 },
      { start: 4, end: 8 },
    ]);
    expect(segments.map((s) => s.text).join('')).toBe('0123456789');
    expect(segments).toEqual([
      { text: '01', range: -1 },
      { text: '2345', range: 0 },
      { text: '67', range: 1 },
      { text: '89', range: -1 },
    ]);
  });
  it('returns the whole text when nothing is wrong', () => {
    expect(splitByRanges('fine', [])).toEqual([{ text: 'fine', range: -1 }]);
    expect(splitByRanges('', [])).toEqual([{ text: '', range: -1 }]);
  });
});
