/**
 * The flags and preamble the read-only listings (`livewatch tasks`, `livewatch jobs`) share:
 * `--region`, `--json`, no positionals, and a quiet exit when the output pipe closes (`| head`).
 */
import type { ParseArgsConfig } from 'node:util';
import { exitQuietlyOnClosedPipe } from './exit-quietly-on-closed-pipe.js';
import { type ParsedCommandArgs, parseCommandArgs } from './parse-command-args.js';

const LISTING_OPTIONS = {
  region: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

type ListingArgsConfig<T extends OptionsConfig> = {
  options: typeof LISTING_OPTIONS & T;
  strict: true;
  allowPositionals: false;
};

/** The credentials paragraph of a listing's usage; `endpoint` is its LIVEWATCH_*_ENDPOINT variable. */
export function listingCredentialsHelp(endpoint: string): string {
  return `Credentials: ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET. Against the emulator also set
${endpoint}=127.0.0.1:PORT and LIVEWATCH_API_PROTOCOL=http.`;
}

/** parseCommandArgs with the listing flags plus `options`; a number is the exit code (see there). */
export function parseListingArgs<const T extends OptionsConfig>(
  command: string,
  usage: string,
  argv: string[],
  options: T,
): ParsedCommandArgs<ListingArgsConfig<T>> | number {
  const config: ListingArgsConfig<T> = {
    options: { ...LISTING_OPTIONS, ...options },
    strict: true,
    allowPositionals: false,
  };
  const parsed = parseCommandArgs(command, usage, argv, config);
  if (typeof parsed !== 'number') exitQuietlyOnClosedPipe();
  return parsed;
}
