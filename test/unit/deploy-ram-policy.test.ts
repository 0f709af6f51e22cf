import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTIONS, type ActionSpec } from '../../lib/aliyun/actions.js';
import { INVOKE_FUNCTION_ACTION } from '../../lib/fc/invocation-outcome.js';

/**
 * docs/ram-policy.json must grant exactly what the code calls: every AliyunClient method called
 * outside lib/aliyun (by the functions, the core or the CLI) maps to an action of the client's table,
 * plus the invoker's fc:InvokeFunction and FC's log delivery. Derived from the source, so a new call
 * (e.g. GetLiveRecordJob) fails this test until the policy grants it, and an unused grant fails too.
 */
interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string | string[];
}
const policy = JSON.parse(readFileSync('docs/ram-policy.json', 'utf8')) as {
  Version: string;
  Statement: Statement[];
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The AliyunClient interface's methods, read from lib/aliyun/api.ts. */
function clientMethods(): string[] {
  const api = readFileSync('lib/aliyun/api.ts', 'utf8');
  const body = /export interface AliyunClient \{([\s\S]*?)\n\}/.exec(api)?.[1] ?? '';
  return [...body.matchAll(/^ {2}(\w+)\(/gm)].map((match) => match[1] ?? '').filter((m) => m !== 'stats');
}

/** A method is the action of the same name, or the page-by-page form of a list action (listXPages → listXs). */
function specOf(method: string): ActionSpec | undefined {
  const table = ACTIONS as Record<string, ActionSpec>;
  return table[method] ?? table[method.replace(/Pages$/, 's')];
}

function calledActions(): Set<string> {
  const callers = ['lib', 'functions', 'bin']
    .flatMap(sourceFiles)
    .filter((file) => !file.startsWith(join('lib', 'aliyun')))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  const called = new Set<string>();
  for (const method of clientMethods()) {
    const spec = specOf(method);
    if (spec && new RegExp(`\\.${method}\\(`).test(callers)) called.add(`${spec.product}:${spec.action}`);
  }
  called.add(`fc:${INVOKE_FUNCTION_ACTION}`);
  // FC 3.0 delivers a function's logs to SLS with the function's role (s.yaml logConfig).
  called.add('log:PostLogStoreLogs');
  return called;
}

function grantedActions(): string[] {
  return policy.Statement.flatMap((statement) => statement.Action);
}

function resourcesOf(action: string): string[] {
  return policy.Statement.filter((s) => s.Action.includes(action)).flatMap((s) =>
    Array.isArray(s.Resource) ? s.Resource : [s.Resource],
  );
}

/** RAM's wildcard: `*` matches any run of characters. */
function matches(pattern: string, resource: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(resource);
}

describe('docs/ram-policy.json (the functions’ role)', () => {
  it('maps every AliyunClient method to an action of the client table (so the derivation below sees it)', () => {
    const unmapped = clientMethods().filter((method) => specOf(method) === undefined);
    expect(unmapped, 'teach specOf() how this method maps to lib/aliyun/actions.ts').toEqual([]);
  });

  it('grants exactly the actions the code calls: none missing, none unused', () => {
    const called = [...calledActions()].sort();
    expect(called).toContain('live:StopLivePullToPush');
    expect(
      [...new Set(grantedActions())].sort(),
      'docs/ram-policy.json must grant exactly the actions the code calls (add a new call to a statement)',
    ).toEqual(called);
    expect(grantedActions()).toHaveLength(new Set(grantedActions()).size);
  });

  it('leaves out what only tests and the emulator call (Create, Delete)', () => {
    expect(grantedActions()).not.toContain('live:CreateLivePullToPush');
    expect(grantedActions()).not.toContain('live:DeleteLivePullToPush');
  });

  it('scopes fc:InvokeFunction to the alert function and its qualifiers, as the fc3 least-privilege example does', () => {
    const resources = resourcesOf('fc:InvokeFunction');
    expect(resources.sort()).toEqual([
      'acs:fc:*:*:functions/livewatch-alert',
      'acs:fc:*:*:functions/livewatch-alert/*',
    ]);
    expect(resources.some((r) => matches(r, 'acs:fc:cn-shanghai:123:functions/livewatch-alert/LATEST'))).toBe(
      true,
    );
    expect(resources.some((r) => matches(r, 'acs:fc:cn-shanghai:123:functions/livewatch-poller'))).toBe(
      false,
    );
  });

  it('scopes log:PostLogStoreLogs to livewatch’s log project and logstore, not *', () => {
    const resources = resourcesOf('log:PostLogStoreLogs');
    expect(resources).not.toContain('*');
    expect(
      resources.some((r) => matches(r, 'acs:log:cn-shanghai:123:project/livewatch-123/logstore/livewatch')),
    ).toBe(true);
    expect(
      resources.some((r) => matches(r, 'acs:log:cn-shanghai:123:project/other/logstore/livewatch')),
    ).toBe(false);
  });

  it('allows only (no Deny, no wildcard actions) and is a version 1 policy', () => {
    expect(policy.Version).toBe('1');
    for (const statement of policy.Statement) {
      expect(statement.Effect).toBe('Allow');
      for (const action of statement.Action) expect(action).toMatch(/^[a-z]+:[A-Z][A-Za-z]+$/);
    }
  });
});

describe('the role’s trust policy and the deployer’s PassRole', () => {
  it('lets only Function Compute assume the role', () => {
    const trust = JSON.parse(readFileSync('docs/ram-trust-policy.json', 'utf8')) as {
      Statement: Array<{ Action: string; Effect: string; Principal: { Service: string[] } }>;
    };
    expect(trust.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['fc.aliyuncs.com'] } },
    ]);
  });

  it('lets the deployer pass that one role (and nothing else)', () => {
    const deployer = JSON.parse(readFileSync('docs/ram-deployer-policy.json', 'utf8')) as {
      Statement: Statement[];
    };
    expect(deployer.Statement.flatMap((s) => s.Action)).toEqual(['ram:PassRole']);
    expect(deployer.Statement[0]?.Resource).toBe('acs:ram:*:*:role/livewatch-fc-role');
  });
});
