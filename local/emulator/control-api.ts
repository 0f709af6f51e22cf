import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { describeError } from '../../lib/errors.js';
import { redactDeep } from '../../lib/redact.js';
import { hostOf } from '../../lib/url-host.js';
import type { Emulator } from './emulator-types.js';
import { readBody, sendJson } from './http-io.js';
import { ICE_ACTIONS } from './ice-actions.js';
import { LIVE_ACTIONS } from './live-actions.js';
import { ReadingsSchema } from './readings.js';
import { formatUtcSeconds } from './signature.js';

/**
 * The emulator's control API (JSON over HTTP under /_emulator/, no auth: loopback test tool).
 * The CLI's `livewatch emulator fault …` and `stats` commands call it.
 *
 *   GET  /_emulator/health | /_emulator/stats | /_emulator/faults | /_emulator/tasks[?region=R]
 *   POST /_emulator/advance
 *   POST /_emulator/fault/fail-source   {taskId?|host?}     POST /_emulator/fault/recover-source {taskId?|host?}
 *   POST /_emulator/fault/reject-push   {taskId?|host?}     POST /_emulator/fault/accept-push    {taskId?|host?}
 *   POST /_emulator/fault/recover       {taskId?|host?}     (recover-source + accept-push)
 *   POST /_emulator/fault/api           {kind: 5xx|timeout|throttle, rate: 0–1, action?}
 *   POST /_emulator/fault/latency       {ms: 75 | [50, 100] | "50-100"}
 *   POST /_emulator/fault/callbacks     {drop?, dropNext?, duplicate?, duplicateNext?, delayMs?, reorder?}
 *   POST /_emulator/fault/clear
 *   POST /_emulator/settings            {restartNewTaskId?, qps?}
 *   GET  /_emulator/readings            POST /_emulator/readings {userStop?, faultPhase?, retryLagMs?, vodEnd?, offsetAppliesTo?, iceListWindowDays?}
 */

const Selector = z.strictObject({ taskId: z.string().min(1).optional(), host: z.string().min(1).optional() });
const ApiFaultBody = z.strictObject({
  kind: z.enum(['5xx', 'timeout', 'throttle']),
  rate: z.number().min(0).max(1),
  action: z.string().min(1).optional(),
  next: z.number().int().min(1).optional(),
});
const LatencyBody = z.strictObject({
  ms: z.union([z.number().min(0), z.tuple([z.number().min(0), z.number().min(0)]), z.string()]),
});
const CallbackFaultsBody = z.strictObject({
  drop: z.number().min(0).max(1).optional(),
  dropNext: z.number().int().min(0).optional(),
  duplicate: z.number().min(0).max(1).optional(),
  duplicateNext: z.number().int().min(0).optional(),
  delayMs: z.number().min(0).optional(),
  reorder: z.boolean().optional(),
});
const SettingsBody = z.strictObject({
  restartNewTaskId: z.boolean().optional(),
  qps: z.number().int().min(1).max(100_000).optional(),
});

/** Parses `75`, `"75"` or `"50-100"` / `[50, 100]` into a latency. */
export function parseLatency(input: number | string | readonly [number, number]): number | [number, number] {
  if (typeof input === 'number') return input;
  if (typeof input !== 'string') {
    const [min, max] = input;
    if (max < min) throw new RangeError(`latency range ${min}-${max} is reversed`);
    return [min, max];
  }
  const range = /^(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)$/.exec(input.trim());
  if (range?.[1] !== undefined && range[2] !== undefined)
    return parseLatency([Number(range[1]), Number(range[2])]);
  if (/^\d+(?:\.\d+)?$/.test(input.trim())) return Number(input);
  throw new RangeError(`latency must be MS or MIN-MAX, got "${input}"`);
}

/**
 * The control API's answers (stats, faults, tasks) are for people and tests: redacted like every
 * livewatch output (lib/redact.ts), so a stats dump never shows a callback URL's token. The emulated
 * Live/ICE API answers are not: livewatch must read its own callback URLs back from them.
 */
function reply(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, redactDeep(body));
}

type FaultTargets = ReturnType<typeof selectorOf>;

/** The source and push fault routes: which hosts a `host` names, and what each does with the selector. */
const STREAM_FAULT_ROUTES: Readonly<
  Record<string, { side: Side; apply: (faults: Emulator['faults'], selector: FaultTargets) => void }>
> = {
  'POST /_emulator/fault/fail-source': { side: 'source', apply: (faults, s) => faults.failSource(s) },
  'POST /_emulator/fault/recover-source': { side: 'source', apply: (faults, s) => faults.recoverSource(s) },
  'POST /_emulator/fault/reject-push': { side: 'destination', apply: (faults, s) => faults.rejectPush(s) },
  'POST /_emulator/fault/accept-push': { side: 'destination', apply: (faults, s) => faults.acceptPush(s) },
  'POST /_emulator/fault/recover': {
    side: 'either',
    apply: (faults, s) => {
      faults.recoverSource(s);
      faults.acceptPush(s);
    },
  },
};

export async function handleControlRequest(
  req: IncomingMessage,
  res: ServerResponse,
  emulator: Emulator,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
  try {
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const faults = emulator.faults;
    const streamFault = STREAM_FAULT_ROUTES[route];
    if (streamFault !== undefined) {
      streamFault.apply(faults, selectorOf(body, emulator, streamFault.side));
      return reply(res, 200, faults.describe());
    }
    switch (route) {
      case 'GET /_emulator/health':
        return reply(res, 200, {
          ok: true,
          url: emulator.url,
          now: new Date(emulator.clock.now()).toISOString(),
        });
      case 'GET /_emulator/stats':
        return reply(res, 200, emulator.stats());
      case 'GET /_emulator/faults':
        return reply(res, 200, faults.describe());
      case 'GET /_emulator/tasks': {
        const region = url.searchParams.get('region');
        const tasks = emulator
          .tasks()
          .filter((task) => region === null || task.region === region)
          .map((task) => ({
            taskId: task.taskId,
            region: task.region,
            taskName: task.taskName,
            status: task.status,
            invalidReason: task.invalidReason,
            sourceType: task.sourceType,
            startTime: formatUtcSeconds(task.startAt),
            endTime: formatUtcSeconds(task.endAt),
            currentFileIndex: task.currentFileIndex,
            currentOffset: Math.floor(task.currentOffset),
          }));
        return reply(res, 200, { tasks });
      }
      case 'POST /_emulator/advance':
        await emulator.advance();
        return reply(res, 200, { ok: true });
      case 'POST /_emulator/fault/api': {
        const fault = ApiFaultBody.parse(body);
        if (fault.action !== undefined) knownAction(fault.action);
        faults.apiFaults({
          kind: fault.kind,
          rate: fault.rate,
          ...(fault.action ? { action: fault.action } : {}),
          ...(fault.next === undefined ? {} : { next: fault.next }),
        });
        return reply(res, 200, faults.describe());
      }
      case 'POST /_emulator/fault/latency':
        faults.setLatency(parseLatency(LatencyBody.parse(body).ms));
        return reply(res, 200, faults.describe());
      case 'POST /_emulator/fault/callbacks': {
        const parsed = CallbackFaultsBody.parse(body);
        faults.setCallbacks(
          Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined)),
        );
        return reply(res, 200, faults.describe());
      }
      case 'POST /_emulator/fault/clear':
        faults.clear();
        return reply(res, 200, faults.describe());
      case 'POST /_emulator/settings': {
        const settings = SettingsBody.parse(body);
        if (settings.restartNewTaskId !== undefined) emulator.setRestartNewTaskId(settings.restartNewTaskId);
        if (settings.qps !== undefined) emulator.setQps(settings.qps);
        return reply(res, 200, { ok: true });
      }
      case 'GET /_emulator/readings':
        return reply(res, 200, emulator.readings.values());
      case 'POST /_emulator/readings':
        return reply(res, 200, emulator.readings.set(ReadingsSchema.parse(body)));
      default:
        return reply(res, 404, { error: `no control route ${route}` });
    }
  } catch (error) {
    const message = error instanceof z.ZodError ? z.prettifyError(error) : describeError(error);
    return reply(res, 400, { error: message });
  }
}

type Side = 'source' | 'destination' | 'either';

class UnknownTargetError extends Error {
  override name = 'UnknownTargetError';
}

/**
 * A fault aimed at nothing would be accepted and change nothing (a typo'd host, a task of another
 * emulator): refused with what exists instead. `side` says which hosts a `host` names.
 */
function selectorOf(body: unknown, emulator: Emulator, side: Side): { taskId?: string; host?: string } {
  const parsed = Selector.parse(body ?? {});
  if (parsed.taskId !== undefined && emulator.task(parsed.taskId) === undefined) {
    throw new UnknownTargetError(
      `no relay task '${parsed.taskId}' in this emulator (${emulator.tasks().length} tasks; \`livewatch tasks\` lists them)`,
    );
  }
  if (parsed.host !== undefined) {
    const hosts = hostsOf(emulator, side);
    if (!hosts.has(parsed.host.toLowerCase())) {
      const noun = side === 'destination' ? 'pushes to' : side === 'source' ? 'pulls from' : 'uses';
      throw new UnknownTargetError(
        `no relay task ${noun} host '${parsed.host}' (${side === 'either' ? '' : `${side} `}hosts: ${[...hosts].sort().join(', ') || 'none'})`,
      );
    }
  }
  return {
    ...(parsed.taskId === undefined ? {} : { taskId: parsed.taskId }),
    ...(parsed.host === undefined ? {} : { host: parsed.host }),
  };
}

function hostsOf(emulator: Emulator, side: 'source' | 'destination' | 'either'): Set<string> {
  const hosts = new Set<string>();
  for (const task of emulator.tasks()) {
    const urls = [
      ...(side === 'destination' ? [] : task.sourceUrls),
      ...(side === 'source' ? [] : [task.dstUrl]),
    ];
    for (const url of urls) {
      const host = hostOf(url);
      if (host !== undefined) hosts.add(host.toLowerCase());
    }
  }
  return hosts;
}

function knownAction(action: string): void {
  if (Object.hasOwn(LIVE_ACTIONS, action) || Object.hasOwn(ICE_ACTIONS, action)) return;
  const known = [...Object.keys(LIVE_ACTIONS), ...Object.keys(ICE_ACTIONS)].sort();
  throw new UnknownTargetError(`unknown action '${action}' (the emulator serves ${known.join(', ')})`);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, 65_536);
  if (body.length === 0) return {};
  return JSON.parse(body.toString('utf8')) as unknown;
}
