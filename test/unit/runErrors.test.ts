import { DatabricksApiError } from '../../shared/databricks/errors.js';
import { ConfigError, DrError, type DrErrorCode } from '../../shared/errors/drError.js';
import { ImportFailure, UnresolvedReference } from '../../shared/kinds/import/types.js';
import { ERROR_CLASSES, errorClass, errorCode, type ErrorClass, errorInfo, isFatal, isTransient } from '../../shared/runs/errors.js';

const api = (status: number, code: string, message = 'm') => new DatabricksApiError(status, code, message, 'GET', '/api/2.0/x');

describe('what an error means for a run, by code', () => {
  test.each<[string, unknown, string, ErrorClass]>([
    ['bad configuration', new ConfigError([{ setting: 'X', problem: 'p', fix: 'f' }]), 'CONFIG_INVALID', 'stop'],
    ['a usage error', new DrError('USAGE', 'bad id'), 'USAGE', 'stop'],
    ['a lock held or lost', new DrError('LOCKED', 'held', { retryable: true }), 'LOCKED', 'stop'],
    ['the time budget', new DrError('ABORTED', 'time'), 'ABORTED', 'stop'],
    [
      'a corrupt object, even one marked retryable',
      new DrError('SNAPSHOT_CORRUPT', 'changed', { retryable: true }),
      'SNAPSHOT_CORRUPT',
      'stop',
    ],
    ['a missing snapshot', new DrError('SNAPSHOT_NOT_FOUND', 'gone'), 'SNAPSHOT_NOT_FOUND', 'stop'],
    ['a refused Idempotency-Key', new DrError('CONFLICT', 'other request'), 'CONFLICT', 'stop'],
    ['no queue', new DrError('QUEUE_UNAVAILABLE', 'down'), 'QUEUE_UNAVAILABLE', 'stop'],
    [
      'an unreachable workspace',
      new DrError('WORKSPACE_UNREACHABLE', 'Cannot reach', { retryable: true }),
      'WORKSPACE_UNREACHABLE',
      'transient',
    ],
    ['storage down', new DrError('STORAGE_UNAVAILABLE', 'Blob storage failed', { retryable: true }), 'STORAGE_UNAVAILABLE', 'transient'],
    [
      'the retry budget spent',
      new DrError('RETRY_BUDGET_EXHAUSTED', 'Gave up', { retryable: true }),
      'RETRY_BUDGET_EXHAUSTED',
      'transient',
    ],
    ['401', api(401, 'UNAUTHENTICATED'), 'DATABRICKS_API/unauthenticated', 'stop'],
    ['403 with an expired token', api(403, 'PERMISSION_DENIED', 'Invalid access token'), 'DATABRICKS_API/unauthenticated', 'stop'],
    ['403', api(403, 'PERMISSION_DENIED'), 'DATABRICKS_API/permission_denied', 'object'],
    ['429', api(429, 'TOO_MANY_REQUESTS'), 'DATABRICKS_API/throttled', 'transient'],
    ['503', api(503, 'TEMPORARILY_UNAVAILABLE'), 'DATABRICKS_API/unavailable', 'transient'],
    ['500', api(500, 'INTERNAL_ERROR'), 'DATABRICKS_API/internal', 'transient'],
    ['404', api(404, 'RESOURCE_DOES_NOT_EXIST'), 'DATABRICKS_API/not_found', 'object'],
    ['an existing object', api(400, 'RESOURCE_ALREADY_EXISTS'), 'DATABRICKS_API/already_exists', 'object'],
    ['an invalid request', api(400, 'INVALID_PARAMETER_VALUE'), 'DATABRICKS_API/invalid', 'object'],
    ['an object too large', api(400, 'MAX_NOTEBOOK_SIZE_EXCEEDED'), 'DATABRICKS_API/too_large', 'object'],
    ['a 409', api(409, 'RESOURCE_CONFLICT'), 'DATABRICKS_API/conflict', 'object'],
    ['an odd status', api(418, 'TEAPOT'), 'DATABRICKS_API/unknown', 'object'],
    ['an import a person must help', new ImportFailure('needs a value'), 'IMPORT_FAILED', 'object'],
    ['an unresolved reference', new UnresolvedReference('clusters', '0101', 'cluster_id'), 'UNRESOLVED_REFERENCE', 'object'],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')"), 'UNEXPECTED', 'unexpected'],
    ['a thrown string', 'oops', 'UNEXPECTED', 'unexpected'],
  ])('%s', (_label, error, code, cls) => {
    expect(errorCode(error)).toBe(code);
    expect(errorClass(error)).toBe(cls);
    // A code stored in a report means the same as the error it came from.
    expect(errorClass(code)).toBe(cls);
    expect(isFatal(error)).toBe(cls === 'stop');
    expect(isTransient(error)).toBe(cls === 'transient');
  });

  test('every DrError code has a class, DATABRICKS_API by category', () => {
    const codes: DrErrorCode[] = [
      'CONFIG_INVALID',
      'WORKSPACE_UNREACHABLE',
      'STORAGE_UNAVAILABLE',
      'SNAPSHOT_NOT_FOUND',
      'SNAPSHOT_CORRUPT',
      'LOCKED',
      'ABORTED',
      'RETRY_BUDGET_EXHAUSTED',
      'USAGE',
      'CONFLICT',
      'QUEUE_UNAVAILABLE',
    ];
    for (const code of codes) expect(ERROR_CLASSES).toHaveProperty([code]);
    // Only an ApiError carries a category; a bare DATABRICKS_API code is not understood.
    expect(errorClass(new DrError('DATABRICKS_API', 'no category'))).toBe('unexpected');
    expect(Object.values(ERROR_CLASSES).every((c) => ['stop', 'transient', 'object', 'unexpected'].includes(c))).toBe(true);
  });

  test('a code this version does not know (a newer report, a typo) is unexpected, not fatal', () => {
    expect(errorClass('SOMETHING_NEW')).toBe('unexpected');
    expect(errorClass('toString')).toBe('unexpected');
  });

  test('run records and reports keep the code and the redacted message', () => {
    expect(errorInfo(new DrError('WORKSPACE_UNREACHABLE', 'No answer with token=dapi0123456789abcdef'))).toEqual({
      code: 'WORKSPACE_UNREACHABLE',
      message: 'No answer with token=***',
    });
    expect(errorInfo(api(503, 'TEMPORARILY_UNAVAILABLE', 'busy'))).toEqual({
      code: 'DATABRICKS_API/unavailable',
      message: 'GET /api/2.0/x failed: 503 TEMPORARILY_UNAVAILABLE: busy',
    });
  });
});
