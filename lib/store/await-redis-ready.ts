import type { Redis } from 'ioredis';

/** Ready and still writable: after the server's FIN the socket stops being writable before ioredis sees the close. */
function isUsable(redis: Redis): boolean {
  return redis.status === 'ready' && redis.stream?.writable === true;
}

/**
 * Waits until the client has a usable connection, through at most its next connection attempt,
 * bounded by `timeoutMs`. Runs before every store operation.
 *
 * Why: Redis (or Tair's idle `timeout`) may close a connection while a Function Compute instance is
 * frozen between invocations. On thaw the client finds the socket closed and reconnects, and with the
 * offline queue off (it is off so a command that timed out while queued is never sent late) every
 * command until then failed at once with "Stream isn't writeable". Here the command waits for the
 * new connection (the first reconnect after a drop is immediate, see openRedisStore) and runs on it
 * within the invocation; a store that is really down still fails fast, with the attempt's error
 * (refused at once, or the connect timeout when the server hangs). See docs/store.md, "Connections
 * and thawed instances".
 */
export function awaitRedisReady(redis: Redis, timeoutMs: number): Promise<void> {
  // 'end' means closed by us (store.close()); the command itself then fails with "Connection is closed".
  if (isUsable(redis) || redis.status === 'end') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    // Errors of a connection being torn down are not an attempt's; only those once it is under way count.
    let attempting = redis.status !== 'ready';
    const events = {
      ready: () => {
        if (isUsable(redis)) finish();
      },
      error: (error: unknown) => {
        if (attempting) finish(error);
      },
      reconnecting: () => {
        attempting = true;
      },
      end: () => finish(new Error('the redis connection was closed')),
    };
    const finish = (error?: unknown): void => {
      clearTimeout(timer);
      for (const [name, listener] of Object.entries(events)) redis.off(name, listener);
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const timer = setTimeout(() => {
      finish(new Error(`no redis connection within ${timeoutMs} ms (client ${redis.status})`));
    }, timeoutMs);
    for (const [name, listener] of Object.entries(events)) redis.on(name, listener);
  });
}
