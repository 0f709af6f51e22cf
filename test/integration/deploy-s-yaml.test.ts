import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, SETTING_NAMES } from '../../lib/config/config.js';
import { FIXED_BY_S_YAML, LOCAL_ONLY_SETTINGS, S_YAML_DEFAULTS } from '../../lib/config/deploy-settings.js';

/**
 * `s deploy` only logs schema failures at debug level and never fails, and `s verify` needs the
 * network. So the offline check is: render s.yaml with `s preview` (resolves vars, env and
 * template/extend), validate each resource's props against the fc3 component's published props
 * schema (test/fixtures/deploy/fc3-schema.json, sha256 898f3c98…ed15, devsapp/fc3@4ca1c1b8), then
 * add the checks the schema cannot express.
 */
const execFileAsync = promisify(execFile);

interface Trigger {
  triggerName: string;
  triggerType: string;
  triggerConfig: Record<string, unknown>;
}
interface Props {
  functionName: string;
  handler: string;
  runtime: string;
  memorySize: number;
  timeout: number;
  code: string;
  environmentVariables: Record<string, unknown>;
  triggers?: Trigger[];
  asyncInvokeConfig?: { asyncTask?: boolean };
  concurrencyConfig?: { reservedConcurrency?: number };
}
interface Rendered {
  edition: string;
  resources: Record<string, { component: string; props: Props }>;
}

async function render(env: Record<string, string> = {}): Promise<Rendered> {
  const { stdout } = await execFileAsync('node_modules/.bin/s', ['preview', '-o', 'json', '--silent'], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Rendered;
}

describe('s.yaml', () => {
  let rendered: Rendered;
  beforeAll(async () => {
    rendered = await render();
  });

  it('renders offline with three fc3 resources', () => {
    expect(rendered.edition).toBe('3.0.0');
    expect(Object.keys(rendered.resources).sort()).toEqual(['alert', 'callback', 'poller']);
    for (const resource of Object.values(rendered.resources)) expect(resource.component).toBe('fc3');
  });

  it('validates every resource against the fc3 props schema', () => {
    const schema = JSON.parse(readFileSync('test/fixtures/deploy/fc3-schema.json', 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strictSchema: true }).compile(schema);
    for (const [name, resource] of Object.entries(rendered.resources)) {
      const valid = validate(resource.props);
      expect({ name, errors: validate.errors ?? [] }).toEqual({ name, errors: [] });
      expect(valid).toBe(true);
    }
  });

  it('rejects a props object the schema forbids (the validator is live)', () => {
    const schema = JSON.parse(readFileSync('test/fixtures/deploy/fc3-schema.json', 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strictSchema: true }).compile(schema);
    const callback = rendered.resources.callback?.props;
    expect(callback).toBeDefined();
    expect(validate({ ...callback, memorySize: 100, runtime: 'nodejs4' })).toBe(false);
  });

  it('ties each trigger config to its trigger type (the schema does not)', () => {
    for (const resource of Object.values(rendered.resources)) {
      for (const trigger of resource.props.triggers ?? []) {
        if (trigger.triggerType === 'http') {
          expect(trigger.triggerConfig.authType).toBe('anonymous');
          expect(trigger.triggerConfig.methods).toContain('POST');
        } else {
          expect(trigger.triggerType).toBe('timer');
          expect(typeof trigger.triggerConfig.cronExpression).toBe('string');
          expect(trigger.triggerConfig.enable).toBe(true);
        }
      }
    }
  });

  it('points each handler at the bundle the build writes', () => {
    for (const [name, resource] of Object.entries(rendered.resources)) {
      expect(resource.props.handler).toBe(`${name}.handler`);
      expect(resource.props.code).toBe('./dist');
      expect(resource.props.runtime).toBe('nodejs20');
      expect(resource.props.memorySize % 64).toBe(0);
    }
  });

  it('keeps the function contracts livewatch relies on', () => {
    const { alert, poller, callback } = rendered.resources;
    // x-fc-async-task-id deduplication needs asyncTask on the target.
    expect(alert?.props.asyncInvokeConfig?.asyncTask).toBe(true);
    expect(alert?.props.environmentVariables.LIVEWATCH_ALERT_FUNCTION).toBe(alert?.props.functionName);
    // A sweep stops starting pages at its budget, but a call in flight may run to the API deadline:
    // both must fit inside the poller's timeout, which must fit inside its 1-minute period.
    const defaults = loadConfig({});
    const pollerTimeoutMs = (poller?.props.timeout ?? 0) * 1000;
    expect(defaults.LIVEWATCH_SWEEP_BUDGET_MS + defaults.LIVEWATCH_API_DEADLINE_MS).toBeLessThan(
      pollerTimeoutMs,
    );
    expect(pollerTimeoutMs).toBeLessThan(60_000);
    // The alert and poller functions keep 15 s of their timeout for calls in flight.
    expect(defaults.LIVEWATCH_API_DEADLINE_MS).toBeLessThan(15_000);
    expect(poller?.props.concurrencyConfig?.reservedConcurrency).toBe(1);
    expect(callback?.props.timeout).toBeLessThanOrEqual(10);
  });

  it('passes every setting of the schema to all three functions, except the local-only ones', async () => {
    const passed = SETTING_NAMES.filter(
      (name) => !(name in LOCAL_ONLY_SETTINGS) && !(name in FIXED_BY_S_YAML),
    );
    const shell = Object.fromEntries(passed.map((name, i) => [name, `shell-value-${i}`]));
    const custom = await render({ ...shell, LIVEWATCH_FC_REGION: 'cn-beijing' });
    for (const [fn, resource] of Object.entries(custom.resources)) {
      const env = resource.props.environmentVariables;
      const missing = passed.filter((name) => env[name] !== shell[name]);
      expect(
        missing,
        `${fn}: add NAME: \${env('NAME', '')} to s.yaml (or list it in LOCAL_ONLY_SETTINGS)`,
      ).toEqual([]);
      for (const name of Object.keys(LOCAL_ONLY_SETTINGS)) expect(env).not.toHaveProperty(name);
      for (const [name, value] of Object.entries(FIXED_BY_S_YAML)) expect(env[name]).toBe(value);
      // Nothing else is passed: every variable is a setting of the schema (or NODE_OPTIONS).
      expect(
        Object.keys(env).filter((name) => name !== 'NODE_OPTIONS' && !SETTING_NAMES.includes(name)),
      ).toEqual([]);
      expect((resource.props as unknown as { region: string }).region).toBe('cn-beijing');
    }
  });

  it('with nothing set in the shell, the functions get the schema defaults — except a dry run', async () => {
    const env = rendered.resources.poller?.props.environmentVariables ?? {};
    const asDeployed = loadConfig(env as Record<string, string>);
    expect(asDeployed).toEqual(loadConfig({ ...S_YAML_DEFAULTS }));
    expect(asDeployed.LIVEWATCH_DRY_RUN).toBe(true);
    expect(loadConfig({}).LIVEWATCH_DRY_RUN).toBe(false);
  });

  it('logs to the SLS project and logstore the RAM policy lets the role write to', async () => {
    const custom = await render({ LIVEWATCH_LOG_PROJECT: 'livewatch-1234567890' });
    const policy = readFileSync('docs/ram-policy.json', 'utf8');
    for (const resource of Object.values(custom.resources)) {
      const log = (resource.props as unknown as { logConfig: { project: string; logstore: string } })
        .logConfig;
      expect(log).toMatchObject({ project: 'livewatch-1234567890', logstore: 'livewatch' });
    }
    expect(policy).toContain('"acs:log:*:*:project/livewatch-*/logstore/livewatch"');
  });

  it('runs the pre-deploy check before building, and builds from the installed tree (no npm ci)', () => {
    const yaml = readFileSync('s.yaml', 'utf8');
    const action = /pre-deploy:\n\s+- run: (.+)\n/.exec(yaml)?.[1];
    expect(action).toBe('npm run check:deploy && npm run build');
  });

  it('names only commands that exist in its header', () => {
    const header = readFileSync('s.yaml', 'utf8').split('\nedition:')[0] ?? '';
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
      .scripts;
    const npmRuns = [...header.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1] ?? '');
    expect(npmRuns.length).toBeGreaterThan(0);
    for (const script of npmRuns) expect(scripts, `npm run ${script}`).toHaveProperty(script);
    // Serverless Devs commands the fc3 component documents (deploy, preview, remove, info, plan).
    const sCommands = [...header.matchAll(/npx s (\w+)/g)].map((m) => m[1]);
    for (const command of sCommands)
      expect(['deploy', 'preview', 'remove', 'info', 'plan']).toContain(command);
    expect(header).not.toContain('check:s');
  });
});
