import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * One JSON POST with a hard timeout, on keep-alive agents (node:http is several times cheaper
 * than fetch per request, which matters when a mass failure sends thousands of callbacks).
 * Resolves with the HTTP status; rejects on network errors and on timeout.
 */
export interface JsonPoster {
  post(url: string, body: unknown, timeoutMs: number): Promise<number>;
  close(): void;
}

export function createJsonPoster(maxSockets = 32): JsonPoster {
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets });
  return {
    post: (url, body, timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        const target = new URL(url);
        const payload = JSON.stringify(body);
        const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
        const req = send(
          target,
          {
            method: 'POST',
            agent: target.protocol === 'https:' ? httpsAgent : httpAgent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          },
          (res) => {
            // Drain the answer so the socket goes back to the pool.
            res.resume();
            res.on('end', () => {
              clearTimeout(timer);
              resolve(res.statusCode ?? 0);
            });
            res.on('error', (error) => {
              clearTimeout(timer);
              reject(error);
            });
          },
        );
        const timer = setTimeout(() => {
          req.destroy(new Error(`callback timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        req.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        req.end(payload);
      }),
    close: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
