import type { AliyunClient } from '../aliyun/api.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { describeError } from '../errors.js';
import type { Channel } from '../notify/channel.js';
import { phrasesOf } from '../notify/phrases.js';
import type { Invoker } from '../ports/invoker.js';
import type { Store } from '../store/store.js';
import type { DoctorCheck, DoctorReport } from './doctor-report.js';

interface DoctorDeps {
  readonly config: Config;
  /** The open store, or why it could not be opened. */
  readonly store: Store | Error;
  /** The API client to check the credentials with (the role's STS keys in FC), or why there is none. */
  readonly client: AliyunClient | Error;
  readonly channels: readonly Channel[];
  /** Undefined when the alert path cannot be checked from here (local, no FC account). */
  readonly invoker: Invoker | undefined;
  readonly clock: Clock;
}

interface DoctorOptions {
  readonly where: 'local' | 'deployed';
  /** Send a test message to each configured channel (otherwise channels are only listed). */
  readonly sendTest: boolean;
  /** Why the alert invocation is not checked, when `invoker` is undefined. */
  readonly noInvokerReason?: string;
}

/**
 * `livewatch doctor`'s checks, in order: the settings, the store (reachable, schema version), the
 * credentials (one read-only list call per configured Live and ICE region), each configured
 * channel (a test message with `sendTest`), the alert invocation path (an empty async batch, which
 * the alert function accepts and does nothing with). Every check runs, whatever failed before it.
 * @example const report = await runDoctor(deps, { where: 'local', sendTest: false });
 */
export async function runDoctor(deps: DoctorDeps, options: DoctorOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [settingsCheck(deps.config, deps.channels)];
  checks.push(await storeCheck(deps.store));
  for (const region of deps.config.LIVEWATCH_LIVE_REGIONS) {
    checks.push(await attempt(`credentials live ${region}`, () => firstRelayPage(deps.client, region)));
  }
  for (const region of deps.config.LIVEWATCH_ICE_REGIONS) {
    checks.push(await attempt(`credentials ice ${region}`, () => firstRecordPage(deps.client, region)));
  }
  for (const channel of deps.channels) checks.push(await channelCheck(deps, channel, options.sendTest));
  checks.push(await alertPathCheck(deps, options));
  return { where: options.where, checks };
}

function settingsCheck(config: Config, channels: readonly Channel[]): DoctorCheck {
  const parts = [
    `store ${config.LIVEWATCH_STORE_URL.split(':')[0]}`,
    `live ${config.LIVEWATCH_LIVE_REGIONS.join(',')}`,
    `ice ${config.LIVEWATCH_ICE_REGIONS.join(',')}`,
    config.LIVEWATCH_DRY_RUN ? 'dry run' : 'acting (not a dry run)',
  ];
  const missing: string[] = [];
  if (config.LIVEWATCH_CALLBACK_TOKENS.length === 0) missing.push('no callback token');
  if (channels.every((c) => c.type === 'log')) missing.push('no chat channel');
  return {
    check: 'settings',
    status: missing.length > 0 ? 'warn' : 'ok',
    detail: [...parts, ...missing].join('; '),
  };
}

async function storeCheck(store: Store | Error): Promise<DoctorCheck> {
  return attempt('store', async () => {
    if (store instanceof Error) throw store;
    await store.ping();
    const { stored, supported } = await store.schemaVersion();
    if (stored !== supported) {
      return {
        status: 'fail',
        detail: `${store.kind} reachable, schema version ${stored}; this build writes ${supported}`,
      };
    }
    return { status: 'ok', detail: `${store.kind} reachable, schema version ${stored}` };
  });
}

async function firstRelayPage(client: AliyunClient | Error, region: string) {
  if (client instanceof Error) throw client;
  for await (const page of client.listRelayTaskPages({ region, pageSize: 1 })) {
    return { status: 'ok' as const, detail: `DescribeLivePullToPushList: ${page.total} relay task(s)` };
  }
  return { status: 'ok' as const, detail: 'DescribeLivePullToPushList: no relay task' };
}

async function firstRecordPage(client: AliyunClient | Error, region: string) {
  if (client instanceof Error) throw client;
  for await (const page of client.listRecordJobPages({ region, pageSize: 1 })) {
    return { status: 'ok' as const, detail: `ListLiveRecordJobs: ${page.total} record job(s)` };
  }
  return { status: 'ok' as const, detail: 'ListLiveRecordJobs: no record job' };
}

async function channelCheck(deps: DoctorDeps, channel: Channel, sendTest: boolean): Promise<DoctorCheck> {
  const check = `channel ${channel.name}`;
  if (channel.type === 'log') {
    return { check, status: 'warn', detail: 'no chat channel set: notices go to the function log only' };
  }
  if (!sendTest) return { check, status: 'ok', detail: 'configured (--send-test sends a test message)' };
  return attempt(check, async () => {
    const now = deps.clock.now();
    const language = deps.config.LIVEWATCH_LANGUAGE;
    const { title, text } = phrasesOf(language).test;
    const line = { id: `doctor:${now}`, status: 'firing' as const, title, text, startsAt: now };
    const group = {
      key: `doctor:${channel.name}`,
      severity: 'info' as const,
      labels: { channel: channel.name, severity: 'info', kind: 'doctor', region: '-', reason: 'Test' },
      firing: [line],
      resolved: [],
      repeat: false,
    };
    const content = { groups: [group], at: now, language, timeZone: deps.config.LIVEWATCH_TIME_ZONE };
    const outcome = await channel.send(channel.render(content, channel.maxBytes), {
      messageId: `doctor-${now}`,
    });
    return outcome.outcome === 'sent'
      ? { status: 'ok', detail: 'test message sent' }
      : { status: 'fail', detail: `test message not delivered: ${outcome.outcome}: ${outcome.reason}` };
  });
}

async function alertPathCheck(deps: DoctorDeps, options: DoctorOptions): Promise<DoctorCheck> {
  const check = `invoke ${deps.config.LIVEWATCH_ALERT_FUNCTION}`;
  if (!deps.invoker) {
    return { check, status: 'skip', detail: options.noInvokerReason ?? 'no FC invoker here' };
  }
  const invoker = deps.invoker;
  return attempt(check, async () => {
    // An empty batch: the alert function parses it and has nothing to do. The id is new each run.
    await invoker.invokeAsync(deps.config.LIVEWATCH_ALERT_FUNCTION, '[]', `doctor_${deps.clock.now()}`);
    return { status: 'ok', detail: 'async invocation accepted (an empty batch)' };
  });
}

/** Runs one check; a thrown error is that check's failure, described without secrets. */
async function attempt(check: string, body: () => Promise<Omit<DoctorCheck, 'check'>>): Promise<DoctorCheck> {
  try {
    return { check, ...(await body()) };
  } catch (error) {
    return { check, status: 'fail', detail: describeError(error) };
  }
}
