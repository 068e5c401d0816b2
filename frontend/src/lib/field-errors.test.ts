import { describe, expect, it } from 'vitest';
import { errorsAt, fieldErrorsOf, unplacedErrors } from './field-errors';
import { ApiError } from './problem';

const problem = new ApiError(422, {
  type: 'invalid-input',
  title: 'Invalid input',
  status: 422,
  detail: 'body.name: too short',
  errors: [
    { field: 'body.name', reason: 'String should have at least 1 character' },
    { field: 'body.tiers.0', reason: 'Value error, give exactly one of at_fraction, after_seconds, before_deadline_seconds' },
    { field: 'body.credentials.client_id', reason: 'required' },
    { field: 'body', reason: 'intervals: bad weekday' },
    { field: 'query.window_days', reason: 'must be one of 7, 14, 30, 60, 90' },
  ],
});

describe('field errors', () => {
  it('keys reasons by body path and drops pydantic’s "Value error, " prefix', () => {
    const map = fieldErrorsOf(problem);
    expect(errorsAt(map, 'name')).toEqual(['String should have at least 1 character']);
    expect(errorsAt(map, 'tiers.0')).toEqual(['give exactly one of at_fraction, after_seconds, before_deadline_seconds']);
    expect(errorsAt(map, 'tiers')).toEqual([]);
    expect(errorsAt(map, 'tiers', true)).toHaveLength(1);
    expect(errorsAt(map, 'credentials.client_id')).toEqual(['required']);
    expect(errorsAt(map, 'query.window_days')).toHaveLength(1);
  });

  it('lists what no input shows', () => {
    const map = fieldErrorsOf(problem);
    expect(unplacedErrors(map, ['name', 'tiers', 'credentials'])).toEqual([
      { field: '', reason: 'intervals: bad weekday' },
      { field: 'query.window_days', reason: 'must be one of 7, 14, 30, 60, 90' },
    ]);
  });

  it('is empty for anything that is not an API problem', () => {
    expect(fieldErrorsOf(new Error('offline')).size).toBe(0);
    expect(fieldErrorsOf(null).size).toBe(0);
  });
});
