import type { RelayTask, ResourceRef } from '../events/resources.js';
import { resourceKey } from '../events/resources.js';
import type { Notice } from '../notify/notice.js';
import { breakerKeysOf, sourceHostsOf } from './circuit-breaker.js';
import type { ResumePoint } from './decide.js';

/**
 * Every notice the remediation hands to the notifier, built in one place so ids, severities and
 * group reasons stay consistent between firing and resolved (docs/notify.md "What is sent"):
 * critical = offline, gave up, mass failure, monitor unhealthy; warning = recovering, record paused,
 * transcode stopped; info = restart requested, recovered. Each title says what happened and what
 * livewatch does next, in English and Chinese. Texts never contain source/destination URLs.
 */

type Status = Notice['status'];
type TaskLabel = Pick<RelayTask, 'taskId' | 'region' | 'name'>;

function relayRefOf(task: TaskLabel): ResourceRef {
  return task.name === undefined
    ? { kind: 'relay', id: task.taskId, region: task.region }
    : { kind: 'relay', id: task.taskId, region: task.region, name: task.name };
}

function label(task: Pick<RelayTask, 'taskId' | 'name'>): string {
  return task.name ? `${task.name} (${task.taskId})` : task.taskId;
}

function relayNotice(task: TaskLabel, fields: Omit<Notice, 'kind' | 'region' | 'resource'>): Notice {
  return { ...fields, kind: 'relay', region: task.region, resource: relayRefOf(task) };
}

/** The breakers whose open state explains this task's failure (its source hosts, its region). */
function inhibitorsOf(task: Pick<RelayTask, 'region'> & Partial<Pick<RelayTask, 'sourceUrls'>>): string[] {
  return breakerKeysOf({ region: task.region, sourceUrls: task.sourceUrls ?? [] });
}

interface AlertWording {
  readonly suffix: string;
  readonly severity: Notice['severity'];
  readonly reason: string;
  readonly firing: readonly [en: string, zh: string];
  readonly resolved: readonly [en: string, zh: string];
  /** Per-task pages an open mass-failure breaker folds into its own alert. */
  readonly inhibited?: boolean;
  /** The other alert of the same task this one replaces (escalation), resolved without a message. */
  readonly supersedes?: {
    readonly suffix: string;
    readonly severity: Notice['severity'];
    readonly reason: string;
  };
}

/** A relay alert that fires and later resolves under one id (`<resource key>:<suffix>`). */
function relayAlert(
  task: TaskLabel & Partial<Pick<RelayTask, 'sourceUrls'>>,
  status: Status,
  at: number,
  detail: string,
  wording: AlertWording,
): Notice {
  const key = resourceKey({ kind: 'relay', region: task.region, id: task.taskId });
  const [en, zh] = status === 'firing' ? wording.firing : wording.resolved;
  const supersedes = wording.supersedes;
  return relayNotice(task, {
    id: `${key}:${wording.suffix}`,
    status,
    severity: wording.severity,
    reason: wording.reason,
    title: `relay ${label(task)} ${en}`,
    text: detail,
    zh: { title: `拉流转推任务 ${label(task)} ${zh}`, text: detail },
    ...(wording.inhibited && status === 'firing' ? { inhibitedBy: inhibitorsOf(task) } : {}),
    ...(task.sourceUrls ? { sourceHosts: sourceHostsOf({ sourceUrls: task.sourceUrls }) } : {}),
    ...(supersedes && status === 'firing'
      ? { supersedes: [{ ...supersedes, id: `${key}:${supersedes.suffix}` }] }
      : {}),
    at,
  });
}

type FailingTask = TaskLabel & Pick<RelayTask, 'invalidReason'> & Partial<Pick<RelayTask, 'sourceUrls'>>;

/** A failing task is offline or recovering: each of the two alerts supersedes the other (escalation, and back). */
const FAILING = {
  offline: {
    severity: 'critical',
    reason: 'Offline',
    unexplained: 'no reason given',
    firing: (why: string) => [`offline (${why})`, `已停止（${why}）`] as const,
    resolved: ['running again', '已恢复运行'],
  },
  recovering: {
    severity: 'warning',
    reason: 'Recovering',
    unexplained: 'platform retrying',
    firing: (why: string) =>
      [`recovering (${why}); the platform is retrying`, `异常重试中（${why}），平台正在重试`] as const,
    resolved: ['no longer recovering', '已结束异常重试'],
  },
} as const;

function failingAlert(
  state: keyof typeof FAILING,
  task: FailingTask,
  status: Status,
  at: number,
  detail: string,
): Notice {
  const { unexplained, firing, ...wording } = FAILING[state];
  const other = state === 'offline' ? 'recovering' : 'offline';
  return relayAlert(task, status, at, detail, {
    ...wording,
    suffix: state,
    firing: firing(task.invalidReason ?? unexplained),
    inhibited: true,
    supersedes: { suffix: other, severity: FAILING[other].severity, reason: FAILING[other].reason },
  });
}

export function offlineNotice(task: FailingTask, status: Status, at: number, detail: string): Notice {
  return failingAlert('offline', task, status, at, detail);
}

export function recoveringNotice(task: FailingTask, status: Status, at: number, detail: string): Notice {
  return failingAlert('recovering', task, status, at, detail);
}

/**
 * The task could not be verified through the API within the verification budget (or the API refused
 * the request for good): livewatch stopped retrying and does nothing to it until it can look again.
 */
export function verifyFailedNotice(task: TaskLabel, status: Status, at: number, detail: string): Notice {
  return relayAlert(task, status, at, detail, {
    suffix: 'verify-failed',
    severity: 'warning',
    reason: 'VerifyFailed',
    firing: [
      'could not be verified through the API; livewatch stopped retrying and takes no action',
      '无法通过 API 确认状态；livewatch 已停止重试，不做任何操作',
    ],
    resolved: ['verified through the API again', '已重新通过 API 确认状态'],
  });
}

export function gaveUpNotice(task: TaskLabel, status: Status, at: number, detail: string): Notice {
  const key = resourceKey({ kind: 'relay', region: task.region, id: task.taskId });
  const firing = status === 'firing';
  return relayNotice(task, {
    id: `${key}:gave-up`,
    status,
    severity: 'critical',
    reason: 'GaveUp',
    title: firing
      ? `relay ${label(task)}: livewatch stopped restarting it, needs a person`
      : `relay ${label(task)} running again; automatic restarts resumed`,
    text: detail,
    zh: {
      title: firing
        ? `拉流转推任务 ${label(task)}：livewatch 已停止自动重启，需要人工处理`
        : `拉流转推任务 ${label(task)} 已恢复运行，自动重启已恢复`,
      text: detail,
    },
    at,
  });
}

/**
 * One info notice per restart SERIES (its first restart, and every probe): a task that keeps failing
 * is not announced again at each retry — its history has every attempt, and giving up pages once.
 * Returns undefined when nothing is to be announced. A restart is "requested", never "done":
 * whether it holds is reported by the recovery or the give-up that follows.
 */
export function restartedNotice(
  task: TaskLabel,
  at: number,
  details: {
    attempt: number;
    resume?: ResumePoint | undefined;
    newTaskId?: string | undefined;
    dryRun: boolean;
    probeFor?: readonly string[] | undefined;
    /** Said when the restart is not confirmed (its answer was lost, or its invocation ended). */
    unconfirmed?: { readonly en: string; readonly zh: string } | undefined;
  },
): Notice | undefined {
  const probe = details.probeFor !== undefined && details.probeFor.length > 0;
  if (details.attempt > 1 && !probe) return undefined;
  const key = resourceKey({ kind: 'relay', region: task.region, id: task.taskId });
  const resume = details.resume
    ? [
        ` from file ${details.resume.fileIndex}, offset ${details.resume.offset} s`,
        `（从第 ${details.resume.fileIndex} 个文件的 ${details.resume.offset} 秒处续播）`,
      ]
    : ['', ''];
  const renamed =
    details.newTaskId && details.newTaskId !== task.taskId ? `; new TaskId ${details.newTaskId}` : '';
  const scope = probe ? (details.probeFor ?? []).join(', ') : '';
  const [en, zh] = details.dryRun
    ? ['would restart (dry-run: no API call made)', '将被重启（演练模式：未调用 API）']
    : probe
      ? [`restarted as the probe for ${scope}`, `作为 ${scope} 的探测任务已重启`]
      : ['restart requested', '已请求重启'];
  const next = details.dryRun
    ? ''
    : probe
      ? 'if it holds for 30 s the mass-failure pause ends; else the pause starts again'
      : 'livewatch checks that it stays running and retries with backoff if not';
  const nextZh = details.dryRun
    ? ''
    : probe
      ? '若稳定运行 30 秒则结束批量故障暂停，否则重新暂停'
      : 'livewatch 将确认其持续运行，否则按退避策略重试';
  return relayNotice(task, {
    id: `${key}:restart:${at}`,
    status: 'firing',
    severity: 'info',
    reason: details.dryRun ? 'WouldRestart' : probe ? 'Probe' : details.resume ? 'Resumed' : 'Restarted',
    title: `relay ${label(task)} ${en}${resume[0]}`,
    text: `restart #${details.attempt}${renamed}${details.unconfirmed ? `; ${details.unconfirmed.en}` : ''}${next ? `; ${next}` : ''}`,
    zh: {
      title: `拉流转推任务 ${label(task)} ${zh}${resume[1]}`,
      text: `第 ${details.attempt} 次重启${renamed}${details.unconfirmed ? `；${details.unconfirmed.zh}` : ''}${nextZh ? `；${nextZh}` : ''}`,
    },
    at,
  });
}

export function recoveredNotice(
  task: TaskLabel,
  at: number,
  downMs: number | undefined,
  byRestart: boolean,
): Notice {
  const key = resourceKey({ kind: 'relay', region: task.region, id: task.taskId });
  const seconds = downMs === undefined ? undefined : Math.round(downMs / 1000);
  const after = seconds === undefined ? '' : ` after ${seconds} s`;
  const afterZh = seconds === undefined ? '' : `（中断 ${seconds} 秒）`;
  return relayNotice(task, {
    id: `${key}:recovered:${at}`,
    status: 'firing',
    severity: 'info',
    reason: 'Recovered',
    title: `relay ${label(task)} ${byRestart ? 'running again after a restart' : 'recovered'}${after}`,
    text: byRestart
      ? 'running again after livewatch restarted it'
      : 'running again without a restart by livewatch',
    zh: {
      title: `拉流转推任务 ${label(task)} ${byRestart ? '重启后已恢复运行' : '已自行恢复'}${afterZh}`,
      text: byRestart ? 'livewatch 重启后恢复运行' : '未经 livewatch 重启即恢复运行',
    },
    at,
  });
}

/**
 * A stopped task with no reason at all, left alone because it may be a person's stop (docs/alert.md,
 * "User stops"). Sent once per stop: the ledger's `deliberateStop` remembers it until the task runs.
 */
export function noReasonStopNotice(task: TaskLabel, at: number, detail: string): Notice {
  const key = resourceKey({ kind: 'relay', region: task.region, id: task.taskId });
  return relayNotice(task, {
    id: `${key}:no-reason-stop:${at}`,
    status: 'firing',
    severity: 'warning',
    reason: 'StoppedNoReason',
    title: `relay ${label(task)} stopped with no reason given; taken as deliberate, not restarted`,
    text: detail,
    zh: {
      title: `拉流转推任务 ${label(task)} 已停止且无原因，视为人为停止，不自动重启`,
      text: detail,
    },
    at,
  });
}

/**
 * The mass-failure alert of one breaker. Its group labels come from the breaker's key alone (a host
 * breaker spans regions: region `all`), so the firing and the resolved message always share a group.
 */
export function breakerNotice(breakerKey: string, status: Status, at: number, detail: string): Notice {
  const firing = status === 'firing';
  return {
    id: `breaker:${breakerKey}`,
    status,
    severity: 'critical',
    kind: 'relay',
    region: breakerKey.startsWith('region:') ? breakerKey.slice('region:'.length) : 'all',
    reason: 'MassFailure',
    ...(breakerKey.startsWith('host:') ? { sourceHosts: [breakerKey.slice('host:'.length)] } : {}),
    title: firing
      ? `mass failure on ${breakerKey}: automatic restarts paused, per-task pages folded into this one`
      : `mass failure on ${breakerKey} over: automatic restarts resumed`,
    text: detail,
    zh: {
      title: firing
        ? `${breakerKey} 批量故障：已暂停自动重启，单个任务的告警合并到本条`
        : `${breakerKey} 批量故障已结束：自动重启已恢复`,
      text: detail,
    },
    at,
  };
}

export function monitorNotice(status: Status, at: number, detail: string): Notice {
  const firing = status === 'firing';
  return {
    id: 'monitor:heartbeat',
    status,
    severity: 'critical',
    kind: 'monitor',
    region: 'all',
    reason: 'MonitorUnhealthy',
    title: firing ? 'livewatch monitor unhealthy: sweeps stopped' : 'livewatch sweeps resumed',
    text: detail,
    zh: { title: firing ? 'livewatch 监控异常：巡检已停止' : 'livewatch 巡检已恢复', text: detail },
    at,
  };
}

export function notStartedNotice(
  task: TaskLabel & Pick<RelayTask, 'startTime'>,
  status: Status,
  at: number,
  detail: string,
): Notice {
  const start = task.startTime ?? 'unknown';
  return relayAlert(task, status, at, detail, {
    suffix: 'not-started',
    severity: 'warning',
    reason: 'NotStarted',
    firing: [`has not started (StartTime ${start})`, `未按时启动（StartTime ${start}）`],
    resolved: ['started', '已启动'],
  });
}
