import { RequestRejectedError } from '../errors.js';

/** 405 with the methods the route accepts (sent back in `Allow`). */
export class MethodNotAllowedError extends RequestRejectedError {
  override name = 'MethodNotAllowedError';
  readonly allow: readonly string[];

  constructor(method: string, allow: readonly string[]) {
    super(405, `method ${method.slice(0, 16)} not allowed; use ${allow.join(', ')}`);
    this.allow = allow;
  }
}
