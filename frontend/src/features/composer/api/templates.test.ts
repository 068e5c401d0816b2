import { describe, expect, it } from 'vitest';
import { toPreview } from './templates';

describe('toPreview', () => {
  it('keeps the variable names of the server warnings so they can be shown translated', () => {
    expect(
      toPreview({
        text: 'Hi Alisa',
        warnings: ['{{ship_eta}} has no value for this conversation.', 'something else'],
        blocking: false,
        violations: [],
      }),
    ).toEqual({ body: 'Hi Alisa', missingVariables: ['ship_eta', 'something else'], blocking: false, violations: [] });
  });
});
