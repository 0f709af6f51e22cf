import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { ConfigError, type SettingIssue } from '../errors.js';
import type { Logger } from '../log.js';
import type { Severity } from '../store/store.js';
import type { Channel } from './channel.js';
import { createChannels } from './create-channels.js';
import { createReceiver } from './create-receiver.js';
import { type MatchLabels, matchesLabels } from './match-labels.js';
import type { GroupTimings } from './plan-group.js';
import { type RouteMatch, type RouteSpec, readRoutingFile } from './routing-file.js';

/** One node of the resolved routing tree: its receivers and the settings it passes to its children. */
export interface Route {
  /** `default` for the root; the route's `name`, else its path (`route.routes.0`). */
  readonly id: string;
  readonly match: RouteMatch;
  readonly receivers: readonly string[];
  readonly continue: boolean;
  readonly timings: GroupTimings;
  readonly language: 'en' | 'zh-CN';
  readonly timeZone: string;
  readonly mentionOn?: readonly Severity[] | undefined;
  readonly children: readonly Route[];
}

export interface Routing {
  readonly channels: readonly Channel[];
  readonly root: Route;
  /** Every route by id (the group's `route` label names it at flush time). */
  readonly byId: ReadonlyMap<string, Route>;
}

export const DEFAULT_ROUTE = 'default';

/**
 * The receivers and the routing tree. Without LIVEWATCH_ROUTES_FILE: the receivers the simple
 * settings configure (named after their type) on one default route with the settings' timings. With
 * it: the file's receivers too, and its tree under a root whose receivers default to the settings'.
 * `channels` replaces the receivers (npm start's console, tests).
 */
export function createRouting(
  config: Config,
  clock: Clock,
  log: Logger,
  channels?: readonly Channel[],
): Routing {
  const file = config.LIVEWATCH_ROUTES_FILE ? readRoutingFile(config.LIVEWATCH_ROUTES_FILE) : undefined;
  const fromSettings = channels ?? createChannels(config, clock, log);
  const fromFile = channels ? [] : (file?.receivers ?? []).map((spec) => createReceiver(spec, config, clock));
  const all = [...fromSettings, ...fromFile];
  const issues: SettingIssue[] = [];
  const seen = new Set<string>();
  for (const channel of all) {
    if (seen.has(channel.name)) issues.push(fileIssue(`receivers: duplicate receiver name ${channel.name}`));
    seen.add(channel.name);
  }
  const rootSpec: RouteSpec = {
    ...file?.route,
    receivers: file?.route?.receivers ?? fromSettings.map((c) => c.name),
  };
  const byId = new Map<string, Route>();
  const root = resolveRoute(rootSpec, undefined, DEFAULT_ROUTE, config, seen, issues, byId);
  if (issues.length > 0) throw new ConfigError(issues);
  return { channels: all, root, byId };
}

/** A route's timing: its own (seconds), else its parent's, else the setting's (seconds). */
function inheritedMs(ownS: number | undefined, parentMs: number | undefined, settingS: number): number {
  return ownS !== undefined ? ownS * 1000 : (parentMs ?? settingS * 1000);
}

function fileIssue(message: string): SettingIssue {
  return { variable: 'LIVEWATCH_ROUTES_FILE', message };
}

function resolveRoute(
  spec: RouteSpec,
  parent: Route | undefined,
  id: string,
  config: Config,
  receivers: ReadonlySet<string>,
  issues: SettingIssue[],
  byId: Map<string, Route>,
): Route {
  const inherited = parent?.timings;
  const timings: GroupTimings = {
    groupWaitMs: inheritedMs(spec.groupWaitS, inherited?.groupWaitMs, config.LIVEWATCH_GROUP_WAIT_S),
    groupWaitCriticalMs: inheritedMs(
      spec.groupWaitCriticalS,
      inherited?.groupWaitCriticalMs,
      config.LIVEWATCH_GROUP_WAIT_CRITICAL_S,
    ),
    groupIntervalMs: inheritedMs(
      spec.groupIntervalS,
      inherited?.groupIntervalMs,
      config.LIVEWATCH_GROUP_INTERVAL_S,
    ),
    repeatIntervalMs: inheritedMs(
      spec.repeatIntervalS,
      inherited?.repeatIntervalMs,
      config.LIVEWATCH_REPEAT_INTERVAL_S,
    ),
    sendResolved: spec.sendResolved ?? inherited?.sendResolved ?? config.LIVEWATCH_SEND_RESOLVED,
  };
  const language = spec.language ?? parent?.language ?? config.LIVEWATCH_LANGUAGE;
  const where = id === DEFAULT_ROUTE ? 'route' : id;
  for (const name of spec.receivers ?? []) {
    if (!receivers.has(name)) issues.push(fileIssue(`${where}.receivers: no receiver named ${name}`));
  }
  if (byId.has(id)) issues.push(fileIssue(`${where}: duplicate route name ${id}`));
  const node: Route = {
    id,
    match: spec.match ?? {},
    receivers: spec.receivers ?? parent?.receivers ?? [],
    continue: spec.continue ?? false,
    timings,
    language,
    // A route that switches language without naming a zone gets that language's default zone.
    timeZone:
      spec.timeZone ??
      (spec.language !== undefined && spec.language !== (parent?.language ?? config.LIVEWATCH_LANGUAGE)
        ? spec.language === 'zh-CN'
          ? 'Asia/Shanghai'
          : 'UTC'
        : (parent?.timeZone ?? config.LIVEWATCH_TIME_ZONE)),
    mentionOn: spec.mentionOn ?? parent?.mentionOn,
    children: [],
  };
  byId.set(id, node);
  const children = (spec.routes ?? []).map((child, index) =>
    resolveRoute(child, node, child.name ?? `${where}.routes.${index}`, config, receivers, issues, byId),
  );
  const resolved = { ...node, children };
  byId.set(id, resolved);
  return resolved;
}

/**
 * Alertmanager's tree walk: children are tried in order; the first that matches takes the alert
 * (depth first) unless it says `continue`; a node none of whose children match handles it itself.
 */
export function matchRoutes(node: Route, labels: MatchLabels): Route[] {
  const found: Route[] = [];
  for (const child of node.children) {
    if (!matchesLabels(child.match, labels)) continue;
    found.push(...matchRoutes(child, labels));
    if (!child.continue) break;
  }
  return found.length > 0 ? found : [node];
}
