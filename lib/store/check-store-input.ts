import { ValidationError } from '../errors.js';

/**
 * Guards the numeric arguments of Store operations. A negative TTL or a zero limit is a caller bug;
 * failing loudly here beats a store that silently grants everything.
 */
export function checkInteger(operation: string, name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ValidationError(`store ${operation}`, [
      { path: name, message: `must be an integer ≥ ${min}, got ${String(value)}` },
    ]);
  }
}

/** Guards string keys: empty keys would alias each other in Redis key layouts. */
export function checkKey(operation: string, name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(`store ${operation}`, [{ path: name, message: 'must be a non-empty string' }]);
  }
}

/** Serialises a value that must survive a JSON round trip (documents, payloads, history data). */
export function toJson(operation: string, name: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) {
    throw new ValidationError(`store ${operation}`, [{ path: name, message: 'must be JSON-serialisable' }]);
  }
  return json;
}

/** Guards counter increments: finite numbers under non-empty names (a NaN would poison a counter for good). */
export function checkCounters(increments: Readonly<Record<string, number>>): Array<[string, number]> {
  const entries = Object.entries(increments);
  for (const [name, value] of entries) {
    checkKey('addCounters', 'name', name);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ValidationError('store addCounters', [
        { path: name, message: `must be a finite number, got ${String(value)}` },
      ]);
    }
  }
  return entries.filter(([, value]) => value !== 0);
}
