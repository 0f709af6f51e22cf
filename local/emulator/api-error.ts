import { LivewatchError } from '../../lib/errors.js';

/**
 * An error the emulated API answers with: HTTP status plus the standard body
 * `{RequestId, HostId, Code, Message}`. Handlers throw it; the server turns it into the response.
 */
export class EmulatedApiError extends LivewatchError {
  override name = 'EmulatedApiError';
  readonly httpStatus: number;
  readonly code: string;

  constructor(httpStatus: number, code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, context: { code, httpStatus } });
    this.httpStatus = httpStatus;
    this.code = code;
  }
}

/** Shorthands for the codes the reference documents (docs/emulator.md). */
export const apiErrors = {
  invalidParameter: (message: string, cause?: unknown) =>
    new EmulatedApiError(400, 'InvalidParameter', message, { cause }),
  missingParameter: (name: string) =>
    new EmulatedApiError(
      400,
      'MissingParameter',
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    ),
  illegalDuration: (message: string) =>
    new EmulatedApiError(400, 'InvalidParam.CodeIllegalDuration', message),
  taskNotExist: () => new EmulatedApiError(400, 'CodeTaskNotExist', 'Task does not exist.'),
  taskHasStarted: () => new EmulatedApiError(400, 'CodeTaskHasStarted', 'The task has already started.'),
  taskHasStopped: () => new EmulatedApiError(400, 'CodeTaskHasStopped', 'The task has been stopped.'),
  jobNotExist: (jobId: string) =>
    new EmulatedApiError(404, 'InvalidParameter.ResourceNotFound', `The job "${jobId}" does not exist.`),
  throttled: () =>
    new EmulatedApiError(400, 'Throttling.User', 'Request was denied due to user flow control.'),
  internal: () =>
    new EmulatedApiError(
      500,
      'InternalError',
      'The request processing has failed due to some unknown error.',
    ),
  apiNotFound: (action: string, version: string) =>
    new EmulatedApiError(
      404,
      'InvalidApi.NotFound',
      `Specified api is not found, please check your url and method. (Action=${action}, Version=${version})`,
    ),
} as const;
