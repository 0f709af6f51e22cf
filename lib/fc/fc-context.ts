import type { Credentials } from '../ports/credentials.js';

/**
 * The FC 3.0 `context` object handed to every handler, typed to the fields livewatch reads.
 * https://www.alibabacloud.com/help/en/functioncompute/user-guide/context
 */
export interface FcContext {
  readonly requestId: string;
  /** Temporary STS keys of the function's role; empty strings (or absent) when the function has no role. */
  readonly credentials?: FcCredentials;
  readonly function?: {
    readonly name: string;
    readonly handler?: string;
    readonly memory?: number;
    readonly timeout?: number;
  };
  readonly service?: {
    readonly logProject?: string;
    readonly logStore?: string;
    readonly qualifier?: string;
    readonly versionId?: string;
  };
  readonly region: string;
  readonly accountId: string;
  readonly logger?: FcLogger;
}

export interface FcCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

/** FC's per-request logger: each line is `<ISO date> <requestId> [level] msg`. */
export interface FcLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  log?(...args: unknown[]): void;
}

/**
 * The invocation's role credentials as livewatch's `Credentials`, or undefined when the function
 * runs without a role (then the settings' AccessKey, if any, is used by the caller).
 * @example const client = runtime.client(credentialsOf(context), context.accountId);
 */
export function credentialsOf(context: {
  readonly credentials?: FcCredentials | undefined;
}): Credentials | undefined {
  const credentials = context.credentials;
  if (!credentials?.accessKeyId || !credentials.accessKeySecret) return undefined;
  return credentials.securityToken
    ? {
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
      }
    : { accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret };
}
