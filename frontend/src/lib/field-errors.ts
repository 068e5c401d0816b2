import { ApiError } from './problem';

/**
 * Field errors of an RFC 9457 problem (`errors: [{field, reason}]`) keyed by the field's path in
 * the request body ("body.tiers.0.at_fraction" → "tiers.0.at_fraction"), so a form can show each
 * next to its input. Query and path errors keep their prefix ("query.window_days").
 */
export type FieldErrorMap = ReadonlyMap<string, readonly string[]>;

const EMPTY: FieldErrorMap = new Map();

export function normalizeField(field: string): string {
  if (field === 'body') return '';
  return field.startsWith('body.') ? field.slice(5) : field;
}

export function fieldErrorsOf(error: unknown): FieldErrorMap {
  if (!(error instanceof ApiError)) return EMPTY;
  const map = new Map<string, string[]>();
  for (const { field, reason } of error.fieldErrors) {
    const key = normalizeField(field);
    map.set(key, [...(map.get(key) ?? []), reason.replace(/^Value error, /, '')]);
  }
  return map;
}

/** Reasons for `path` itself, or with `nested`, also for anything under it ("tiers" ⊃ "tiers.0.action"). */
export function errorsAt(map: FieldErrorMap, path: string, nested = false): string[] {
  const out: string[] = [];
  for (const [key, reasons] of map) {
    if (key === path || (nested && key.startsWith(`${path}.`))) out.push(...reasons);
  }
  return out;
}

/** The errors no input claims: shown together above the form's buttons. */
export function unplacedErrors(map: FieldErrorMap, placed: readonly string[]): { field: string; reason: string }[] {
  const out: { field: string; reason: string }[] = [];
  for (const [key, reasons] of map) {
    const claimed = placed.some((p) => key === p || key.startsWith(`${p}.`));
    if (!claimed) reasons.forEach((reason) => out.push({ field: key, reason }));
  }
  return out;
}
