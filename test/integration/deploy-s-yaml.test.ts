import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/config.js';

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

  it('takes settings from the deploying shell', async () => {
    const custom = await render({
      LIVEWATCH_LIVE_REGIONS: 'cn-beijing,cn-shanghai',
      LIVEWATCH_FC_REGION: 'cn-beijing',
    });
    const poller = custom.resources.poller?.props;
    expect(poller?.environmentVariables.LIVEWATCH_LIVE_REGIONS).toBe('cn-beijing,cn-shanghai');
    expect((poller as unknown as { region: string }).region).toBe('cn-beijing');
  });
});
