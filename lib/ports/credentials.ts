/** Credentials for one invocation: from settings, or the FC context's STS token (taken fresh each time). */
export interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}
