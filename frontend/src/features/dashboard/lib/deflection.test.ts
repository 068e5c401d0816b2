import { describe, expect, it } from 'vitest';
import { formatPercent } from './deflection';

describe('formatPercent', () => {
  it('formats a share and says nothing for no data', () => {
    expect(formatPercent(0.5, 'en')).toBe('50%');
    expect(formatPercent(0.1234, 'en')).toBe('12.3%');
    expect(formatPercent(0, 'zh-CN')).toBe('0%');
    expect(formatPercent(null, 'en')).toBe('—');
    expect(formatPercent(Number.NaN, 'en')).toBe('—');
  });
});
