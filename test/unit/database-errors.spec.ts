import { describe, expect, it } from '@jest/globals';
import { isDatabaseUnavailable } from '../../src/http/database-errors.js';

const err = (message: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(message), fields);

describe('isDatabaseUnavailable', () => {
  it.each([
    ['connection refused', err('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' })],
    ['a refused connection to a dual-stack host', new AggregateError([err('x', { code: 'ECONNREFUSED' })], 'connect failed')],
    ['the database refusing connections (ALLOW_CONNECTIONS false)', err('database "x" is not currently accepting connections', { code: '55000' })],
    [
      'TypeORM wrapping the server shutting a session',
      err('query failed', { driverError: err('terminating connection due to administrator command', { code: '57P01' }) }),
    ],
    ['the server starting up', err('the database system is starting up', { code: '57P03' })],
    ['a connection exception (class 08)', err('connection failure', { code: '08006' })],
    ['pg cutting a query', err('Connection terminated unexpectedly')],
    ['pg-pool waiting too long', err('timeout exceeded when trying to connect')],
    ['too many connections', err('sorry, too many clients already', { code: '53300' })],
  ])('%s → true', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', err('duplicate key', { driverError: err('duplicate key', { code: '23505' }) })],
    ['a syntax error', err('syntax error', { code: '42601' })],
    ['another object_not_in_prerequisite_state', err('cannot do that now', { code: '55000' })],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('%s → false', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
