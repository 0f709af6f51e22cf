import type { ResourceRef } from '../events/resources.js';
import type { AlertLink } from './channel.js';

/**
 * Console pages per resource kind. Alibaba Cloud documents no deep link to one pull-to-push task or
 * one ICE live job, so the link opens the product's console page for the region with the task id in
 * the query, and every message also shows the id (docs/notify.md "Links" records this reading).
 */
const CONSOLE: Readonly<Record<ResourceRef['kind'], (ref: ResourceRef) => string>> = {
  relay: (ref) =>
    `https://live.console.aliyun.com/#/live/pulltopush?region=${encodeURIComponent(ref.region)}&taskId=${encodeURIComponent(ref.id)}`,
  record: (ref) =>
    `https://ims.console.aliyun.com/live-record?region=${encodeURIComponent(ref.region)}&jobId=${encodeURIComponent(ref.id)}`,
  transcode: (ref) =>
    `https://ims.console.aliyun.com/live-transcode?region=${encodeURIComponent(ref.region)}&jobId=${encodeURIComponent(ref.id)}`,
};

/**
 * The links shown with an alert about `resource`: its console page and, when LIVEWATCH_STATUS_URL is
 * set, livewatch's own page for it (`<status url>/tasks/<encoded id>`, served by the status page).
 */
export function linksOf(resource: ResourceRef | undefined, statusUrl: string | undefined): AlertLink[] {
  if (resource === undefined) return [];
  const links: AlertLink[] = [{ kind: 'console', url: CONSOLE[resource.kind](resource) }];
  if (statusUrl) links.push({ kind: 'status', url: `${statusUrl}/tasks/${encodeURIComponent(resource.id)}` });
  return links;
}
