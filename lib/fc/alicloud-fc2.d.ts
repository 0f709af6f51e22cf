/**
 * `@alicloud/fc2` ships no types; this declares the tiny CommonJS surface livewatch uses (its
 * header builder and its signer), so the module is a plain import that esbuild bundles (a runtime
 * `createRequire` call would be left out of dist/ and fail in FC).
 */
declare module '@alicloud/fc2' {
  interface Fc2Config {
    accessKeyID: string;
    accessKeySecret: string;
    securityToken?: string;
    region: string;
    secure: boolean;
    timeout: number;
    endpoint?: string;
  }
  class Fc2Client {
    constructor(accountId: string, config: Fc2Config);
    version: string;
    /** accept, date, host, user-agent, x-fc-account-id and (with STS keys) x-fc-security-token. */
    buildHeaders(): Record<string, string>;
    /** `FC <AK>:<Base64 HMAC-SHA256>` over method, Content-MD5, Content-Type, Date, x-fc-* headers, path. */
    static getSignature(
      accessKeyId: string,
      accessKeySecret: string,
      method: string,
      path: string,
      headers: Record<string, string>,
      queries: Record<string, string> | null,
    ): string;
  }
  export = Fc2Client;
}
