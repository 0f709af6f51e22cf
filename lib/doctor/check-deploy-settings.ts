import { isAbsolute, normalize } from 'node:path';
import { loadConfig, SETTING_NAMES } from '../config/config.js';
import {
  DEPLOY_SETTING_NAMES,
  DeploySettingsSchema,
  FC_ENVIRONMENT_LIMIT_BYTES,
  FIXED_BY_S_YAML,
  LOCAL_ONLY_SETTINGS,
  S_YAML_DEFAULTS,
} from '../config/deploy-settings.js';
import { ConfigError, type SettingIssue } from '../errors.js';
import { readRoutingFile } from '../notify/routing-file.js';

interface DeployCheck {
  /** Each one stops the deploy. */
  readonly problems: readonly SettingIssue[];
  /** What the deploy will do with these settings, worth reading before it goes out. */
  readonly notes: readonly string[];
}

const CHANNELS = [
  'LIVEWATCH_DINGTALK_WEBHOOK',
  'LIVEWATCH_SLACK_WEBHOOK',
  'LIVEWATCH_FEISHU_WEBHOOK',
  'LIVEWATCH_WECOM_WEBHOOK',
  'LIVEWATCH_WEBHOOK_URL',
];

/**
 * The pre-deploy check (`npm run check:deploy`, run by s.yaml's pre-deploy action): validates the
 * deploying shell's settings as s.yaml will pass them — with the functions' one schema (config.ts)
 * and the deploy settings' schema — and names every missing or placeholder value before anything
 * reaches the cloud. Values are echoed, secrets masked.
 */
export function checkDeploySettings(shell: Record<string, string | undefined>): DeployCheck {
  const env = { ...S_YAML_DEFAULTS, ...nonEmpty(shell) };
  const problems: SettingIssue[] = [...placeholders(env), ...loopbacks(env), ...deploySettingIssues(env)];
  problems.push(...functionSettingIssues(env), ...routingFileIssues(env.LIVEWATCH_ROUTES_FILE));
  const size = environmentBytes(env);
  if (size > FC_ENVIRONMENT_LIMIT_BYTES) {
    problems.push({
      variable: '(all settings)',
      message: `the functions' variables total ${size} bytes; FC allows ${FC_ENVIRONMENT_LIMIT_BYTES}`,
    });
  }
  return { problems: dedupe(problems), notes: notesOn(env) };
}

function nonEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => (entry[1] ?? '') !== ''),
  );
}

function placeholders(env: Record<string, string>): SettingIssue[] {
  return [...SETTING_NAMES, ...DEPLOY_SETTING_NAMES]
    .filter((name) => /placeholder/i.test(env[name] ?? ''))
    .map((name) => ({
      variable: name,
      message: `is a placeholder (${echo(name, env[name] ?? '')}): set the real value in this shell`,
    }));
}

/** Where a shell that ran the emulator (README "CLI") would point the deployed functions. */
const ENDPOINT_SETTINGS = [
  'LIVEWATCH_LIVE_ENDPOINT',
  'LIVEWATCH_ICE_ENDPOINT',
  'LIVEWATCH_FC_ENDPOINT',
  'LIVEWATCH_STORE_URL',
  'LIVEWATCH_CALLBACK_BASE_URL',
];

function loopbacks(env: Record<string, string>): SettingIssue[] {
  return ENDPOINT_SETTINGS.filter((name) =>
    /(^|[/@])(127\.\d+\.\d+\.\d+|localhost|\[::1\])([:/]|$)/i.test(env[name] ?? ''),
  ).map((name) => ({
    variable: name,
    message: `${echo(name, env[name] ?? '')} is this machine (an emulator or test setting left in the shell); the functions cannot reach it: unset it`,
  }));
}

function deploySettingIssues(env: Record<string, string>): SettingIssue[] {
  const result = DeploySettingsSchema.safeParse(env);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const variable = String(issue.path[0]);
    const value = env[variable];
    if (value !== undefined) return { variable, message: `${echo(variable, value)} ${issue.message}` };
    // zod says "expected string, received undefined"; the field's own rule says what to set.
    const field = DeploySettingsSchema.shape[variable as keyof typeof DeploySettingsSchema.shape];
    const rule = field.safeParse('').error?.issues[0]?.message ?? issue.message;
    return { variable, message: `is not set: ${rule}` };
  });
}

function functionSettingIssues(env: Record<string, string>): SettingIssue[] {
  const issues: SettingIssue[] = [];
  try {
    loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  const store = env.LIVEWATCH_STORE_URL;
  if (!store || !/^rediss?:\/\//.test(store)) {
    issues.push({
      variable: 'LIVEWATCH_STORE_URL',
      message: `${store === undefined ? 'is not set' : echo('LIVEWATCH_STORE_URL', store)}: must be redis://… or rediss://… of your Tair/Redis in the functions' VPC (SQLite is for one machine only)`,
    });
  }
  if (!env.LIVEWATCH_CALLBACK_TOKENS) {
    issues.push({
      variable: 'LIVEWATCH_CALLBACK_TOKENS',
      message:
        "is empty: every callback would be refused; generate one: openssl rand -base64 24 | tr '+/' '-_' | tr -d =",
    });
  }
  return issues;
}

/**
 * The routing file is copied into the code package by `npm run build` (scripts/build.mjs) at the same
 * relative path, so it must be inside the project, and it is validated here rather than at the first
 * notice in the cloud.
 */
function routingFileIssues(path: string | undefined): SettingIssue[] {
  if (path === undefined) return [];
  const relative = normalize(path);
  if (isAbsolute(relative) || relative.startsWith('..')) {
    return [
      {
        variable: 'LIVEWATCH_ROUTES_FILE',
        message: `${JSON.stringify(path)} must be a path inside this project (e.g. config/routes.yaml): the build copies it into the code package at that path`,
      },
    ];
  }
  try {
    readRoutingFile(relative);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
}

/** Names and values of every variable s.yaml passes, as FC counts them against its limit. */
function environmentBytes(env: Record<string, string>): number {
  const passed = SETTING_NAMES.filter((name) => !(name in LOCAL_ONLY_SETTINGS)).map(
    (name) => Buffer.byteLength(name) + Buffer.byteLength(FIXED_BY_S_YAML[name] ?? env[name] ?? ''),
  );
  const nodeOptions = Buffer.byteLength('NODE_OPTIONS') + Buffer.byteLength(env.LIVEWATCH_NODE_OPTIONS ?? '');
  return passed.reduce((sum, bytes) => sum + bytes, nodeOptions);
}

function notesOn(env: Record<string, string>): string[] {
  const notes: string[] = [];
  notes.push(
    env.LIVEWATCH_DRY_RUN === 'true'
      ? 'dry run: livewatch watches and notifies ("would restart …") but restarts and enrols nothing; set LIVEWATCH_DRY_RUN=false and deploy again to act'
      : 'NOT a dry run: livewatch will restart relay tasks and enrol callbacks as soon as it is deployed',
  );
  if (!CHANNELS.some((name) => env[name])) {
    notes.push(`no chat channel is set (${CHANNELS.join(', ')}): notices go to the function logs only`);
  }
  if (!env.LIVEWATCH_CALLBACK_BASE_URL) {
    notes.push(
      'LIVEWATCH_CALLBACK_BASE_URL is not set: no task is enrolled for callbacks yet; after this deploy set it to the callback function’s URL (s callback info → url.system_url) and deploy again',
    );
  }
  if (env.LIVEWATCH_API_PROTOCOL === 'http') {
    notes.push('LIVEWATCH_API_PROTOCOL is http: the functions would call the Alibaba Cloud APIs unencrypted');
  }
  for (const name of Object.keys(LOCAL_ONLY_SETTINGS).filter((n) => env[n])) {
    notes.push(`${name} is set in this shell but not deployed: ${LOCAL_ONLY_SETTINGS[name]}`);
  }
  return notes;
}

/** The value as a person can check it, secrets masked: tokens, secrets, webhooks, Redis passwords. */
function echo(name: string, value: string): string {
  if (
    /SECRET|TOKEN|WEBHOOK|_URL$/.test(name) &&
    name !== 'LIVEWATCH_STORE_URL' &&
    name !== 'LIVEWATCH_CALLBACK_BASE_URL'
  ) {
    return `"${value.slice(0, 4)}…" (${value.length} chars)`;
  }
  return JSON.stringify(value.replace(/\/\/([^@/]*)@/, '//***@'));
}

function dedupe(issues: SettingIssue[]): SettingIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.variable}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
