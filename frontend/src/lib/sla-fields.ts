import type { ClockReasonDetail } from './explain-wording';
import { asSlaState, type SlaState } from './sla-time';

/**
 * SLA fields are read defensively from whatever object the API returned, so the UI lights up the
 * moment the backend sends them and shows nothing (rather than breaking) where it does not:
 *   list + detail: sla_state ("none" | "ok" | "due_soon" | "overdue"), sla_deadline (ISO | null),
 *                  sla_due_soon_at (ISO | null, optional: lets the badge turn amber locally)
 *   detail only:   clocks [{kind, due_at | deadline, due_soon_at?, state, paused?, policy_name,
 *                  reason, stop_reason?, seconds_remaining}]
 * Clock states may be the conversation vocabulary above or the clock lifecycle
 * ("running" | "met" | "breached" | "stopped"); both are understood.
 */
export interface SlaSummary {
  state: SlaState | null;
  deadline: string | null;
  dueSoonAt: string | null;
}

export type ClockPhase = 'running' | 'paused' | 'met' | 'breached' | 'stopped';

export interface SlaClock {
  kind: string;
  phase: ClockPhase;
  /** badge state while the clock counts (null when it does not) */
  state: SlaState | null;
  deadline: string | null;
  dueSoonAt: string | null;
  policyName: string | null;
  reason: string | null;
  /** the reason as data (see explain-wording.ts); null from an API or an event that does not send it */
  reasonDetail: ClockReasonDetail | null;
  stopReason: string | null;
}

function field(source: object, key: string): unknown {
  return (source as Record<string, unknown>)[key];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function hasSlaFields(source: object): boolean {
  return 'sla_state' in source || 'sla_deadline' in source;
}

export function readSla(source: object): SlaSummary {
  return {
    state: asSlaState(field(source, 'sla_state')),
    deadline: str(field(source, 'sla_deadline')),
    dueSoonAt: str(field(source, 'sla_due_soon_at')),
  };
}

function clockPhase(rawState: unknown, paused: boolean, deadline: string | null): ClockPhase {
  if (paused) return 'paused';
  switch (rawState) {
    case 'met':
    case 'stopped':
    case 'breached':
    case 'running':
      return rawState;
    case 'none':
      return 'stopped';
    case 'overdue':
      return 'running'; // still counting, past its deadline
    default:
      return deadline ? 'running' : 'stopped';
  }
}

function clockState(rawState: unknown, phase: ClockPhase): SlaState | null {
  const direct = asSlaState(rawState);
  if (direct) return direct;
  if (phase === 'breached') return 'overdue';
  if (phase === 'running') return 'ok'; // amber/red then follow from due_soon_at and the deadline
  return null;
}

function reasonDetail(raw: unknown): ClockReasonDetail | null {
  if (typeof raw !== 'object' || raw === null || !Array.isArray(field(raw, 'matched'))) return null;
  const matched = (field(raw, 'matched') as unknown[])
    .filter((m): m is object => typeof m === 'object' && m !== null)
    .map((m) => ({ condition: str(field(m, 'condition')) ?? '', value: str(field(m, 'value')) ?? '' }));
  return { builtin_key: str(field(raw, 'builtin_key')), name_is_builtin: field(raw, 'name_is_builtin') === true, matched };
}

/** The detail's clocks, or null when the API does not send them. */
export function readClocks(source: object): SlaClock[] | null {
  const raw = field(source, 'clocks');
  if (!Array.isArray(raw)) return null;
  return raw
    .filter((c): c is object => typeof c === 'object' && c !== null)
    .map((c) => {
      const deadline = str(field(c, 'due_at')) ?? str(field(c, 'deadline'));
      const phase = clockPhase(field(c, 'state'), field(c, 'paused') === true, deadline);
      return {
        kind: str(field(c, 'kind')) ?? 'unknown',
        phase,
        state: clockState(field(c, 'state'), phase),
        deadline,
        dueSoonAt: str(field(c, 'due_soon_at')),
        policyName: str(field(c, 'policy_name')),
        reason: str(field(c, 'reason')),
        reasonDetail: reasonDetail(field(c, 'reason_detail')),
        stopReason: str(field(c, 'stop_reason')),
      };
    });
}

/** The SLA patch carried by an `sla.updated` event, keeping only the fields it actually sent. */
export function slaPatch(data: object): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of ['sla_state', 'sla_deadline', 'sla_due_soon_at', 'clocks']) {
    if (key in data) patch[key] = field(data, key);
  }
  return patch;
}
