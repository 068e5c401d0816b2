import { describe, expect, it } from 'vitest';
import { splitList } from './languages';

describe('splitList', () => {
  it('splits on ASCII and full-width commas, trims and drops repeats and blanks', () => {
    expect(splitList(' shipping, 物流，tracking,, shipping ')).toEqual(['shipping', '物流', 'tracking']);
    expect(splitList('')).toEqual([]);
  });
});
