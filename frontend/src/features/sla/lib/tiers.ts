/**
 * The escalation ladder of an SLA policy. The API stores each tier with exactly one placement:
 *   at_fraction              a share of the clock's span (12/24 = half-way): scales with 24 h and 48 h clocks
 *   after_seconds            a fixed time after the clock started
 *   before_deadline_seconds  a fixed time before the deadline
 * People think in hours on a given clock, so the editor shows every tier as "fires after N h" on
 * the policy's first-response target too, and lets a share be typed as hours (converted back).
 */
export type TierAction = 'email_assignee' | 'notify_assignee_and_team' | 'escalate_supervisor';
export type TierMode = 'fraction' | 'after' | 'before';

export const TIER_ACTIONS: readonly TierAction[] = ['email_assignee', 'notify_assignee_and_team', 'escalate_supervisor'];

export interface Tier {
  action: TierAction;
  at_fraction?: number | null;
  after_seconds?: number | null;
  before_deadline_seconds?: number | null;
}

export interface TierDraft {
  action: TierAction;
  mode: TierMode;
  /** a share in (0, 1) for 'fraction', seconds otherwise */
  value: number;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function asAction(v: unknown): TierAction {
  return (TIER_ACTIONS as readonly unknown[]).includes(v) ? (v as TierAction) : 'email_assignee';
}

export function tierToDraft(tier: Record<string, unknown>): TierDraft {
  const action = asAction(tier['action']);
  if (isNum(tier['after_seconds'])) return { action, mode: 'after', value: tier['after_seconds'] };
  if (isNum(tier['before_deadline_seconds'])) return { action, mode: 'before', value: tier['before_deadline_seconds'] };
  return { action, mode: 'fraction', value: isNum(tier['at_fraction']) ? tier['at_fraction'] : 0.5 };
}

export function draftToTier(d: TierDraft): Tier {
  if (d.mode === 'after') return { action: d.action, after_seconds: Math.round(d.value) };
  if (d.mode === 'before') return { action: d.action, before_deadline_seconds: Math.round(d.value) };
  return { action: d.action, at_fraction: Math.round(d.value * 10_000) / 10_000 };
}

/** Seconds after the clock starts when the tier fires on a clock of `targetSeconds`. */
export function firesAfterSeconds(d: TierDraft, targetSeconds: number): number {
  if (d.mode === 'after') return d.value;
  if (d.mode === 'before') return targetSeconds - d.value;
  return d.value * targetSeconds;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** 0.75 of a 24 h clock → 18 (hours). */
export function fractionToHours(fraction: number, targetSeconds: number): number {
  return round2((fraction * targetSeconds) / 3600);
}

/** 18 h on a 24 h clock → 0.75; null when the hours fall outside the clock (0 < share < 1). */
export function hoursToFraction(hours: number, targetSeconds: number): number | null {
  if (!(targetSeconds > 0) || !Number.isFinite(hours)) return null;
  const fraction = (hours * 3600) / targetSeconds;
  return fraction > 0 && fraction < 1 ? Math.round(fraction * 10_000) / 10_000 : null;
}

export type TierProblem = 'fraction_range' | 'not_positive' | 'after_deadline';

/** What the API would refuse (range, sign) and what would never fire before the deadline. */
export function tierProblem(d: TierDraft, targetSeconds: number): TierProblem | null {
  if (d.mode === 'fraction') return d.value > 0 && d.value < 1 ? null : 'fraction_range';
  if (!(d.value > 0)) return 'not_positive';
  const at = firesAfterSeconds(d, targetSeconds);
  return at <= 0 || at >= targetSeconds ? 'after_deadline' : null;
}

/** The ladder in firing order on a given clock (the editor keeps the user's order; this is for display). */
export function ladder(drafts: readonly TierDraft[], targetSeconds: number): { index: number; atSeconds: number }[] {
  return drafts.map((d, index) => ({ index, atSeconds: firesAfterSeconds(d, targetSeconds) })).sort((a, b) => a.atSeconds - b.atSeconds);
}
