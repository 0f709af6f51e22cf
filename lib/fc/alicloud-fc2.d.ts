/**
 * `@alicloud/fc2` ships no types; this declares the tiny CommonJS surface livewatch uses, so the
 * module is a plain import that esbuild bundles (a runtime `createRequire` call would be left out of
 * dist/ and fail in FC).
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
    post(
      path: string,
      body: string | Buffer,
      headers: Record<string, string>,
    ): Promise<{ headers: Record<string, unknown>; data: unknown }>;
  }
  export = Fc2Client;
}
