import { describe, expect, it } from 'vitest';
import { draftToTier, firesAfterSeconds, fractionToHours, hoursToFraction, ladder, tierProblem, tierToDraft, type TierDraft } from './tiers';

const H = 3600;

describe('tier editor conversions', () => {
  it('reads the server’s tiers (exactly one placement each)', () => {
    expect(tierToDraft({ at_fraction: 0.75, action: 'notify_assignee_and_team' })).toEqual({ action: 'notify_assignee_and_team', mode: 'fraction', value: 0.75 });
    expect(tierToDraft({ after_seconds: 6 * H, action: 'email_assignee' })).toEqual({ action: 'email_assignee', mode: 'after', value: 6 * H });
    expect(tierToDraft({ before_deadline_seconds: 2 * H, action: 'escalate_supervisor' })).toMatchObject({ mode: 'before', value: 2 * H });
    expect(tierToDraft({ action: 'bogus' })).toEqual({ action: 'email_assignee', mode: 'fraction', value: 0.5 });
  });

  it('writes exactly one placement back', () => {
    expect(draftToTier({ action: 'email_assignee', mode: 'fraction', value: 12 / 24 })).toEqual({ action: 'email_assignee', at_fraction: 0.5 });
    expect(draftToTier({ action: 'escalate_supervisor', mode: 'fraction', value: 22 / 24 })).toEqual({ action: 'escalate_supervisor', at_fraction: 0.9167 });
    expect(draftToTier({ action: 'email_assignee', mode: 'after', value: 5400.4 })).toEqual({ action: 'email_assignee', after_seconds: 5400 });
    expect(draftToTier({ action: 'email_assignee', mode: 'before', value: 3600 })).toEqual({ action: 'email_assignee', before_deadline_seconds: 3600 });
  });

  it('converts shares to hours on the policy’s clock and back (the default 12/18/22 h ladder)', () => {
    expect(fractionToHours(0.5, 24 * H)).toBe(12);
    expect(fractionToHours(0.75, 24 * H)).toBe(18);
    expect(fractionToHours(0.75, 48 * H)).toBe(36); // the same ladder scales to a 48 h clock
    expect(fractionToHours(0.9167, 24 * H)).toBe(22);
    expect(hoursToFraction(18, 24 * H)).toBe(0.75);
    expect(hoursToFraction(22, 24 * H)).toBe(0.9167);
    expect(hoursToFraction(0.5, 1 * H)).toBe(0.5);
  });

  it('refuses hours outside the clock', () => {
    expect(hoursToFraction(24, 24 * H)).toBeNull();
    expect(hoursToFraction(0, 24 * H)).toBeNull();
    expect(hoursToFraction(-1, 24 * H)).toBeNull();
    expect(hoursToFraction(5, 0)).toBeNull();
    expect(hoursToFraction(Number.NaN, 24 * H)).toBeNull();
  });

  it('says when each tier fires and flags tiers that never would', () => {
    const drafts: TierDraft[] = [
      { action: 'escalate_supervisor', mode: 'before', value: 2 * H },
      { action: 'email_assignee', mode: 'fraction', value: 0.5 },
      { action: 'notify_assignee_and_team', mode: 'after', value: 18 * H },
    ];
    expect(drafts.map((d) => firesAfterSeconds(d, 24 * H) / H)).toEqual([22, 12, 18]);
    expect(ladder(drafts, 24 * H).map((l) => l.index)).toEqual([1, 2, 0]);
    expect(tierProblem({ action: 'email_assignee', mode: 'fraction', value: 1 }, 24 * H)).toBe('fraction_range');
    expect(tierProblem({ action: 'email_assignee', mode: 'after', value: 0 }, 24 * H)).toBe('not_positive');
    expect(tierProblem({ action: 'email_assignee', mode: 'after', value: 30 * H }, 24 * H)).toBe('after_deadline');
    expect(tierProblem({ action: 'email_assignee', mode: 'before', value: 24 * H }, 24 * H)).toBe('after_deadline');
    expect(tierProblem(drafts[0]!, 24 * H)).toBeNull();
  });
});
