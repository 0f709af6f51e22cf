import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { zodIssues } from '../zod-issues.js';

/**
 * The routing file (LIVEWATCH_ROUTES_FILE, YAML or JSON), modelled on Alertmanager's `route` tree:
 * receivers (several of each channel type, each with its own URL, secret, keyword and mentions) and
 * a tree of routes matching on severity, kind, region, reason, source host and task name, with
 * `continue` and per-route timings, language and mentions. docs/notify.md "Routing" has an example.
 */

const Severity = z.enum(['critical', 'warning', 'info']);
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]));
const phone = z.string().regex(/^\+?\d{5,20}$/, 'must be a phone number');
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 of [A-Za-z0-9._-]');
const webhookUrl = z.url({ protocol: /^https?$/ });

const Mentions = z
  .object({
    /** DingTalk atMobiles, WeCom mentioned_mobile_list. */
    mobiles: z.array(phone).optional(),
    /** DingTalk atUserIds, Feishu open ids (`ou_…`), WeCom userids. */
    userIds: z.array(z.string().min(1).max(100)).optional(),
    /** Slack: `here`, `channel`, `subteam^S…` (a user group) or a user id `U…`. */
    users: z.array(z.string().regex(/^(here|channel|everyone|subteam\^[A-Z0-9]+|[UW][A-Z0-9]+)$/)).optional(),
    /** DingTalk isAtAll, Feishu `all`, WeCom `@all`. */
    all: z.boolean().optional(),
    /** Severities that mention (default: critical). Never resolved, repeated or partial-recovery messages. */
    on: z.array(Severity).optional(),
  })
  .strict();

/** Who a receiver @-mentions, and on which severities; each channel uses the fields its vendor supports. */
export type Mentions = z.infer<typeof Mentions>;

const base = { name, url: webhookUrl, mentions: Mentions.optional() };
const DingtalkRobot = z
  .object({ url: webhookUrl, secret: z.string().min(1).optional(), keyword: z.string().min(1).optional() })
  .strict();
const Receiver = z.discriminatedUnion('type', [
  z
    .object({
      ...base,
      // A receiver has one robot (`url`) or rotates several (`robots`), never both.
      url: webhookUrl.optional(),
      type: z.literal('dingtalk'),
      secret: z.string().min(1).optional(),
      keyword: z.string().min(1).optional(),
      /** Robots of one group rotated past 20 messages/min each, each with its own secret and keyword. */
      robots: z
        .array(DingtalkRobot)
        .min(2, 'rotate at least 2 robots (one robot: use url)')
        .max(20)
        .optional(),
    })
    .strict()
    .superRefine((spec, context) => {
      if ((spec.url === undefined) === (spec.robots === undefined)) {
        context.addIssue({ code: 'custom', path: ['url'], message: 'give either url or robots (not both)' });
      }
      if (spec.robots !== undefined && (spec.secret !== undefined || spec.keyword !== undefined)) {
        context.addIssue({
          code: 'custom',
          path: ['robots'],
          message: 'with robots, each robot carries its own secret and keyword',
        });
      }
      const urls = new Set((spec.robots ?? []).map((robot) => robot.url));
      if (urls.size !== (spec.robots ?? []).length) {
        context.addIssue({ code: 'custom', path: ['robots'], message: 'each robot needs its own url' });
      }
    }),
  z.object({ ...base, type: z.literal('slack') }).strict(),
  z.object({ ...base, type: z.literal('feishu'), secret: z.string().min(1).optional() }).strict(),
  z.object({ ...base, type: z.literal('wecom') }).strict(),
  z.object({ ...base, type: z.literal('webhook'), secret: z.string().min(1).optional() }).strict(),
]);
export type ReceiverSpec = z.infer<typeof Receiver>;

const Match = z
  .object({
    severity: oneOrMany(Severity).optional(),
    kind: oneOrMany(z.enum(['relay', 'record', 'transcode', 'monitor'])).optional(),
    region: oneOrMany(z.string().min(1)).optional(),
    reason: oneOrMany(z.string().min(1)).optional(),
    sourceHost: oneOrMany(
      z
        .string()
        .min(1)
        .transform((host) => host.toLowerCase()),
    ).optional(),
    /** A regular expression tested against the task (or job) name. */
    taskName: z
      .string()
      .min(1)
      .refine((source) => {
        try {
          new RegExp(source);
          return true;
        } catch {
          return false;
        }
      }, 'must be a valid regular expression')
      .optional(),
  })
  .strict();
export type RouteMatch = z.infer<typeof Match>;

const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone name');

const routeFields = {
  name: name.optional(),
  match: Match.optional(),
  receivers: z.array(name).optional(),
  continue: z.boolean().optional(),
  groupWaitS: z.number().int().min(0).optional(),
  groupWaitCriticalS: z.number().int().min(0).optional(),
  groupIntervalS: z.number().int().min(1).optional(),
  repeatIntervalS: z.number().int().min(1).optional(),
  sendResolved: z.boolean().optional(),
  language: z.enum(['en', 'zh-CN']).optional(),
  timeZone: timeZone.optional(),
  /** Overrides the receivers' `mentions.on` for messages of this route. */
  mentionOn: z.array(Severity).optional(),
};

export interface RouteSpec {
  readonly name?: string | undefined;
  readonly match?: RouteMatch | undefined;
  readonly receivers?: string[] | undefined;
  readonly continue?: boolean | undefined;
  readonly groupWaitS?: number | undefined;
  readonly groupWaitCriticalS?: number | undefined;
  readonly groupIntervalS?: number | undefined;
  readonly repeatIntervalS?: number | undefined;
  readonly sendResolved?: boolean | undefined;
  readonly language?: 'en' | 'zh-CN' | undefined;
  readonly timeZone?: string | undefined;
  readonly mentionOn?: Array<'critical' | 'warning' | 'info'> | undefined;
  readonly routes?: RouteSpec[] | undefined;
}

const Route: z.ZodType<RouteSpec> = z.lazy(() =>
  z.object({ ...routeFields, routes: z.array(Route).optional() }).strict(),
);

const RoutingFile = z.object({ receivers: z.array(Receiver).default([]), route: Route.optional() }).strict();
export type RoutingFileSpec = z.infer<typeof RoutingFile>;

const SETTING = 'LIVEWATCH_ROUTES_FILE';

/**
 * A relative path is looked up in the working directory, then beside the running code. `npm run build`
 * copies the file into dist/ at the same relative path, so after `s deploy` it sits beside the bundle in
 * the code package whether or not FC's working directory is the code directory (docs/deploy.md,
 * "The routing file").
 */
function locateRoutingFile(path: string): string {
  if (isAbsolute(path) || existsSync(path)) return path;
  const besideCode = resolve(dirname(fileURLToPath(import.meta.url)), path);
  return existsSync(besideCode) ? besideCode : path;
}

/**
 * Reads and validates the routing file. Every error is a ConfigError naming LIVEWATCH_ROUTES_FILE,
 * the file, and the path inside it (e.g. `route.routes.1.match.taskName`); nothing half-valid is used.
 */
export function readRoutingFile(path: string): RoutingFileSpec {
  let text: string;
  try {
    text = readFileSync(locateRoutingFile(path), 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new ConfigError([{ variable: SETTING, message: `${path}: cannot read the file (${code})` }]);
  }
  let value: unknown;
  try {
    value = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError([{ variable: SETTING, message: `${path}: not valid YAML/JSON: ${why}` }]);
  }
  const result = RoutingFile.safeParse(value ?? {});
  if (!result.success) {
    throw new ConfigError(
      zodIssues(result.error).map((issue) => ({
        variable: SETTING,
        message: `${path}: ${issue.path || '(root)'}: ${issue.message}`,
      })),
    );
  }
  return result.data;
}
