import type { components } from '@/api/schema';

export type Problem = components['schemas']['Problem'];
export type Violation = components['schemas']['ViolationRead'];
export type FieldError = components['schemas']['FieldError'];

/** An RFC 9457 problem returned by the API, thrown so TanStack Query sees a failed request. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;

  constructor(status: number, problem: Problem | null) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  get fieldErrors(): FieldError[] {
    return this.problem?.errors ?? [];
  }

  /** The itemised compliance violations of a refused reply (422), if any. */
  get violations(): Violation[] {
    const raw = this.problem?.['violations'];
    return Array.isArray(raw) ? raw.filter(isViolation) : [];
  }
}

export function isViolation(value: unknown): value is Violation {
  return (
    typeof value === 'object' &&
    value !== null &&
    'code' in value &&
    'start' in value &&
    'end' in value &&
    typeof value.code === 'string' &&
    typeof value.start === 'number' &&
    typeof value.end === 'number'
  );
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'status' in value && 'title' in value;
}

export function toApiError(status: number, body: unknown): ApiError {
  return new ApiError(status, isProblem(body) ? body : null);
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}
