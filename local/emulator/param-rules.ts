import { LIVE_REGIONS } from '../../lib/config/config.js';
import { apiErrors } from './api-error.js';
import { parseUtcSeconds } from './signature.js';

/**
 * Request-parameter rules as the API applies them, each failure mapped to the documented code
 * (MissingParameter for an absent required parameter, InvalidParameter for a bad value).
 */
export type Params = ReadonlyMap<string, string>;

export function optionalString(params: Params, name: string): string | undefined {
  const value = params.get(name);
  return value === undefined || value === '' ? undefined : value;
}

export function requiredString(params: Params, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined) throw apiErrors.missingParameter(name);
  return value;
}

export function requiredRegion(params: Params): string {
  const region = requiredString(params, 'Region');
  if (!(LIVE_REGIONS as readonly string[]).includes(region)) {
    throw apiErrors.invalidParameter(`Region "${region}" is not a live center (${LIVE_REGIONS.join(', ')}).`);
  }
  return region;
}

export function optionalInt(
  params: Params,
  name: string,
  bounds: { min?: number; max?: number } = {},
): number | undefined {
  const raw = optionalString(params, name);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) throw apiErrors.invalidParameter(`${name} must be an integer, got "${raw}".`);
  const value = Number(raw);
  if (bounds.min !== undefined && value < bounds.min) {
    throw apiErrors.invalidParameter(`${name} must be ≥ ${bounds.min}, got ${value}.`);
  }
  if (bounds.max !== undefined && value > bounds.max) {
    throw apiErrors.invalidParameter(`${name} must be ≤ ${bounds.max}, got ${value}.`);
  }
  return value;
}

/** UTC `yyyy-MM-ddTHH:mm:ssZ` → epoch ms. */
export function optionalUtcTime(params: Params, name: string): number | undefined {
  const raw = optionalString(params, name);
  if (raw === undefined) return undefined;
  const ms = parseUtcSeconds(raw);
  if (ms === undefined) {
    throw apiErrors.invalidParameter(`${name} must be UTC in the form yyyy-MM-ddTHH:mm:ssZ, got "${raw}".`);
  }
  return ms;
}

export function requiredUtcTime(params: Params, name: string): number {
  requiredString(params, name);
  return optionalUtcTime(params, name) as number;
}

/**
 * `SourceUrls` as the SDKs send it: one parameter holding a JSON array string. The flattened
 * `SourceUrls.1=…` form (pop-core given an array) is accepted too.
 */
export function optionalSourceUrls(params: Params): string[] | undefined {
  const raw = params.get('SourceUrls');
  if (raw !== undefined && raw !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw apiErrors.invalidParameter('SourceUrls must be a JSON array of strings.', error);
    }
    if (!Array.isArray(parsed) || parsed.some((item) => typeof item !== 'string' || item === '')) {
      throw apiErrors.invalidParameter('SourceUrls must be a JSON array of non-empty strings.');
    }
    return parsed as string[];
  }
  const flat: string[] = [];
  for (let i = 1; params.has(`SourceUrls.${i}`); i++) flat.push(params.get(`SourceUrls.${i}`) ?? '');
  return flat.length > 0 ? flat : undefined;
}

export function checkSourceUrlCount(sourceType: string, urls: readonly string[]): void {
  if (sourceType === 'live' && urls.length !== 1) {
    throw apiErrors.invalidParameter('SourceUrls must hold exactly one URL for a live source.');
  }
  if (urls.length < 1 || urls.length > 30) {
    throw apiErrors.invalidParameter('SourceUrls must hold 1–30 URLs for a vod or url source.');
  }
}

export function checkUrlLength(name: string, value: string): void {
  if (value.length > 2000) throw apiErrors.invalidParameter(`${name} must be at most 2000 characters.`);
}

/** The list filter's TaskId: ≤ 55 of letters, digits, `_` and `-`. */
export function optionalTaskIdFilter(params: Params): string | undefined {
  const value = optionalString(params, 'TaskId');
  if (value !== undefined && !/^[A-Za-z0-9_-]{1,55}$/.test(value)) {
    throw apiErrors.invalidParameter('TaskId must be at most 55 letters, digits, underscores or hyphens.');
  }
  return value;
}

export function optionalEnum<T extends string>(
  params: Params,
  name: string,
  values: readonly T[],
): T | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) {
    throw apiErrors.invalidParameter(`${name} must be one of ${values.join(', ')}, got "${value}".`);
  }
  return value as T;
}

/** Parses a parameter that holds a JSON object (ICE's StreamInput, RecordOutput, …). */
export function optionalJsonObject(params: Params, name: string): Record<string, unknown> | undefined {
  const raw = optionalString(params, name);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw apiErrors.invalidParameter(`${name} must be a JSON object.`, error);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw apiErrors.invalidParameter(`${name} must be a JSON object.`);
  }
  return parsed as Record<string, unknown>;
}

export function stringField(object: Record<string, unknown>, name: string, where: string): string {
  const value = object[name];
  if (typeof value !== 'string' || value === '')
    throw apiErrors.invalidParameter(`${where}.${name} is required.`);
  return value;
}
