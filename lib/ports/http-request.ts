/**
 * The small typed request the core sees: no FC shapes beyond this point. The core owns this type;
 * `lib/fc/decode-http-event.ts` produces it from FC's HTTP-trigger event.
 */
export interface HttpRequest {
  /** Upper-case HTTP method, e.g. `POST`. */
  readonly method: string;
  /** The URL-encoded path as FC gives it in `rawPath`, without the query string (e.g. `/callback/abc`). */
  readonly path: string;
  /** Header names lower-cased; repeated values arrive comma-joined (FC's behaviour). */
  readonly headers: Readonly<Record<string, string>>;
  /** Query parameters; repeated values arrive comma-joined. */
  readonly query: Readonly<Record<string, string>>;
  /** The raw body bytes (base64 already decoded). */
  readonly body: Buffer;
}
