import type { RelayTask, ResourceRef } from '../events/resources.js';
import { resourceKey } from '../events/resources.js';
import type { Notice } from '../notify/notice.js';
import type { ResumePoint } from './decide.js';

/**
 * Every notice the remediation hands to the notifier, built in one place so ids, severities and
 * group reasons stay consistent between firing and resolved (ARCHITECTURE.md "Notifications"):
 * critical = offline, gave up, mass failure, monitor unhealthy; warning = recovering, record paused,
 * transcode stopped; info = restarted, recovered. Texts never contain source/destination URLs.
 */

type Status = Notice['status'];

export function relayRefOf(task: Pick<RelayTask, 'taskId' | 'region' | 'name'>): ResourceRef {
  return task.name === undefined
    ? { kind: 'relay', id: task.taskId, region: task.region }
    : { kind: 'relay', id: task.taskId, region: task.region, name: task.name };
}

function label(task: Pick<RelayTask, 'taskId' | 'name'>): string {
  return task.name ? `${task.name} (${task.taskId})` : task.taskId;
}

function relayNotice(
  task: Pick<RelayTask, 'taskId' | 'region' | 'name'>,
  fields: Omit<Notice, 'kind' | 'region' | 'resource'>,
): Notice {
  return { ...fields, kind: 'relay', region: task.region, resource: relayRefOf(task) };
}

/** A relay alert that fires and later resolves under one id (`<resource key>:<suffix>`). */
function relayAlert(
  task: Pick<RelayTask, 'taskId' | 'region' | 'name'>,
  status: Status,
  at: number,
  detail: string,
  alert: { suffix: string; severity: Notice['severity']; reason: string; firing: string; resolved: string },
): Notice {
  const key = resourceKey({ kind: 'relay', region: task.region, id: task.taskId });
  return relayNotice(task, {
    id: `${key}:${alert.suffix}`,
    status,
    severity: alert.severity,
    reason: alert.reason,
    title: `relay ${label(task)} ${status === 'firing' ? alert.firing : alert.resolved}`,
    text: detail,
    at,
  });
}

export function offlineNotice(
  task: Pick<RelayTask, 'taskId' | 'region' | 'name' | 'invalidReason'>,
  status: Status,
  at: number,
  detail: string,
): Notice {
  return relayAlert(task, status, at, detail, {
    suffix: 'offline',
    severity: 'critical',
    reason: 'Offline',
    firing: `offline (${task.invalidReason ?? 'no reason given'})`,
    resolved: 'running again',
  });
}

export function recoveringNotice(
  task: Pick<RelayTask, 'taskId' | 'region' | 'name' | 'invalidReason'>,
  status: Status,
  at: number,
  detail: string,
): Notice {
  return relayAlert(task, status, at, detail, {
    suffix: 'recovering',
    severity: 'warning',
    reason: 'Recovering',
    firing: `recovering (${task.invalidReason ?? 'platform retrying'})`,
    resolved: 'no longer recovering',
  });
}

export function gaveUpNotice(
  task: Pick<RelayTask, 'taskId' | 'region' | 'name'>,
  status: Status,
  at: number,
  detail: string,
): Notice {
  const key = resourceKey({ kind: 'relay', region: task.region, id: task.taskId });
  return relayNotice(task, {
    id: `${key}:gave-up`,
    status,
    severity: 'critical',
    reason: 'GaveUp',
    title:
      status === 'firing'
        ? `relay ${label(task)}: gave up restarting, needs a person`
        : `relay ${label(task)} running again; automatic restarts resumed`,
    text: detail,
    at,
  });
}

export function restartedNotice(
  task: Pick<RelayTask, 'taskId' | 'region' | 'name'>,
  at: number,
  details: {
    attempt: number;
    resume?: ResumePoint | undefined;
    newTaskId?: string | undefined;
    dryRun: boolean;
  },
): Notice {
  const key = resourceKey({ kind: 'relay', region: task.region, id: task.taskId });
  const resume = details.resume
    ? ` at file ${details.resume.fileIndex}, offset ${details.resume.offset} s`
    : '';
  const renamed =
    details.newTaskId && details.newTaskId !== task.taskId ? `; new TaskId ${details.newTaskId}` : '';
  const verb = details.dryRun ? 'would restart' : details.resume ? 'resumed' : 'restarted';
  return relayNotice(task, {
    id: `${key}:restart:${at}`,
    status: 'firing',
    severity: 'info',
    reason: details.dryRun ? 'WouldRestart' : details.resume ? 'Resumed' : 'Restarted',
    title: `relay ${label(task)} ${verb}${resume}`,
    text: `${details.dryRun ? 'dry-run: no API call made; ' : ''}restart #${details.attempt} of this series${renamed}`,
    at,
  });
}

export function recoveredNotice(
  task: Pick<RelayTask, 'taskId' | 'region' | 'name'>,
  at: number,
  downMs: number | undefined,
  byRestart: boolean,
): Notice {
  const key = resourceKey({ kind: 'relay', region: task.region, id: task.taskId });
  const after = downMs === undefined ? '' : ` after ${Math.round(downMs / 1000)} s`;
  return relayNotice(task, {
    id: `${key}:recovered:${at}`,
    status: 'firing',
    severity: 'info',
    reason: 'Recovered',
    title: `relay ${label(task)} ${byRestart ? 'restarted OK' : 'recovered'}${after}`,
    text: byRestart
      ? 'running again after livewatch restarted it'
      : 'running again without a restart by livewatch',
    at,
  });
}

export function breakerNotice(
  breakerKey: string,
  region: string,
  status: Status,
  at: number,
  detail: string,
): Notice {
  return {
    id: `breaker:${breakerKey}`,
    status,
    severity: 'critical',
    kind: 'relay',
    region,
    reason: 'MassFailure',
    title:
      status === 'firing'
        ? `mass failure on ${breakerKey}: automatic restarts paused`
        : `mass failure on ${breakerKey} over: automatic restarts resumed`,
    text: detail,
    at,
  };
}

export function monitorNotice(status: Status, at: number, detail: string): Notice {
  return {
    id: 'monitor:heartbeat',
    status,
    severity: 'critical',
    kind: 'monitor',
    region: 'all',
    reason: 'MonitorUnhealthy',
    title: status === 'firing' ? 'livewatch monitor unhealthy: sweeps stopped' : 'livewatch sweeps resumed',
    text: detail,
    at,
  };
}

export function notStartedNotice(
  task: Pick<RelayTask, 'taskId' | 'region' | 'name' | 'startTime'>,
  status: Status,
  at: number,
  detail: string,
): Notice {
  return relayAlert(task, status, at, detail, {
    suffix: 'not-started',
    severity: 'warning',
    reason: 'NotStarted',
    firing: `has not started (StartTime ${task.startTime ?? 'unknown'})`,
    resolved: 'started',
  });
}
