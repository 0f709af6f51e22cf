import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkDeploySettings } from '../../lib/doctor/check-deploy-settings.js';

const TOKEN = 'deploy-token-0123456789abcdef';
/** A deploying shell with everything s.yaml needs. */
const complete = {
  LIVEWATCH_VPC_ID: 'vpc-uf6abc123',
  LIVEWATCH_VSWITCH_ID: 'vsw-uf6def456',
  LIVEWATCH_SECURITY_GROUP_ID: 'sg-uf6ghi789',
  LIVEWATCH_LOG_PROJECT: 'livewatch-1234567890',
  LIVEWATCH_STORE_URL: 'redis://:s3cret-pass@r-uf6xyz.redis.rds.aliyuncs.com:6379/0',
  LIVEWATCH_CALLBACK_TOKENS: TOKEN,
};

const variables = (env: Record<string, string>) => checkDeploySettings(env).problems.map((p) => p.variable);

describe('checkDeploySettings (the pre-deploy check)', () => {
  it('passes a complete shell, and says it deploys in dry-run by default', () => {
    const check = checkDeploySettings(complete);
    expect(check.problems).toEqual([]);
    expect(check.notes.join('\n')).toMatch(/^dry run: /m);
    expect(check.notes.join('\n')).toContain('no chat channel is set');
  });

  it('names every missing setting of an empty shell', () => {
    expect(new Set(variables({}))).toEqual(
      new Set([
        'LIVEWATCH_VPC_ID',
        'LIVEWATCH_VSWITCH_ID',
        'LIVEWATCH_SECURITY_GROUP_ID',
        'LIVEWATCH_LOG_PROJECT',
        'LIVEWATCH_STORE_URL',
        'LIVEWATCH_CALLBACK_TOKENS',
      ]),
    );
    const messages = checkDeploySettings({}).problems.map((p) => `${p.variable}: ${p.message}`);
    expect(messages).toContain('LIVEWATCH_VPC_ID: is not set: must be the id of your VPC (vpc-…)');
  });

  it('refuses each placeholder by name: vpc-placeholder, sg-placeholder, redis://r-placeholder…, an empty token', () => {
    const check = checkDeploySettings({
      ...complete,
      LIVEWATCH_VPC_ID: 'vpc-placeholder',
      LIVEWATCH_SECURITY_GROUP_ID: 'sg-placeholder',
      LIVEWATCH_STORE_URL: 'redis://r-placeholder.redis.rds.aliyuncs.com:6379/0',
      LIVEWATCH_CALLBACK_TOKENS: '',
    });
    const text = check.problems.map((p) => `${p.variable}: ${p.message}`).join('\n');
    expect(text).toContain('LIVEWATCH_VPC_ID: is a placeholder ("vpc-placeholder")');
    expect(text).toContain('LIVEWATCH_SECURITY_GROUP_ID: is a placeholder ("sg-placeholder")');
    expect(text).toContain('LIVEWATCH_STORE_URL: is a placeholder ("redis://r-placeholder');
    expect(text).toMatch(/LIVEWATCH_CALLBACK_TOKENS: is empty/);
    expect(variables({ ...complete, LIVEWATCH_VPC_ID: 'vpc-placeholder' })).toEqual(['LIVEWATCH_VPC_ID']);
  });

  it('checks LIVEWATCH_ROUTES_FILE: inside the project (the build copies it into the code package) and valid', () => {
    const routes = 'test/fixtures/deploy/config/routes.yaml';
    expect(variables({ ...complete, LIVEWATCH_ROUTES_FILE: routes })).toEqual([]);
    const outside = checkDeploySettings({ ...complete, LIVEWATCH_ROUTES_FILE: '/etc/livewatch/routes.yaml' });
    expect(outside.problems.map((p) => `${p.variable}: ${p.message}`)).toEqual([
      'LIVEWATCH_ROUTES_FILE: "/etc/livewatch/routes.yaml" must be a path inside this project (e.g. config/routes.yaml): the build copies it into the code package at that path',
    ]);
    expect(variables({ ...complete, LIVEWATCH_ROUTES_FILE: '../routes.yaml' })).toEqual([
      'LIVEWATCH_ROUTES_FILE',
    ]);
    const missing = checkDeploySettings({ ...complete, LIVEWATCH_ROUTES_FILE: 'config/nope.yaml' });
    expect(missing.problems.map((p) => p.message).join('\n')).toContain(
      'config/nope.yaml: cannot read the file',
    );
  });

  it('validates the functions’ settings with the one schema (config.ts) and refuses SQLite in the cloud', () => {
    expect(variables({ ...complete, LIVEWATCH_LIVE_REGIONS: 'cn-mars' })).toEqual(['LIVEWATCH_LIVE_REGIONS']);
    expect(variables({ ...complete, LIVEWATCH_STORE_URL: 'sqlite:./x.db' })).toEqual(['LIVEWATCH_STORE_URL']);
    expect(variables({ ...complete, LIVEWATCH_LOG_PROJECT: 'my-logs' })).toEqual(['LIVEWATCH_LOG_PROJECT']);
  });

  it('refuses emulator endpoints left in the shell (the README exports them for the CLI)', () => {
    const shell = {
      ...complete,
      LIVEWATCH_LIVE_ENDPOINT: '127.0.0.1:8788',
      LIVEWATCH_ICE_ENDPOINT: '127.0.0.1:8788',
      LIVEWATCH_FC_ENDPOINT: 'http://localhost:9000',
      LIVEWATCH_API_PROTOCOL: 'http',
    };
    expect(variables(shell)).toEqual([
      'LIVEWATCH_LIVE_ENDPOINT',
      'LIVEWATCH_ICE_ENDPOINT',
      'LIVEWATCH_FC_ENDPOINT',
    ]);
    expect(checkDeploySettings(shell).notes.join('\n')).toContain('LIVEWATCH_API_PROTOCOL is http');
    expect(variables({ ...complete, LIVEWATCH_ICE_ENDPOINT: 'ice-vpc.{region}.aliyuncs.com' })).toEqual([]);
  });

  it('masks secrets it echoes: a Redis password, a webhook, a token', () => {
    const check = checkDeploySettings({
      ...complete,
      LIVEWATCH_STORE_URL: 'mysql://user:hunter2-pass@db:3306',
      LIVEWATCH_SLACK_WEBHOOK: 'https://hooks.slack.com/services/placeholder-T000/B000/xyzsecretxyz',
    });
    const text = JSON.stringify(check);
    expect(text).not.toContain('hunter2-pass');
    expect(text).not.toContain('xyzsecretxyz');
    expect(text).not.toContain(TOKEN);
    expect(
      variables({ ...complete, LIVEWATCH_SLACK_WEBHOOK: 'https://hooks.slack.com/placeholder' }),
    ).toEqual(['LIVEWATCH_SLACK_WEBHOOK']);
  });

  it('refuses settings that exceed FC’s 4 KB of environment variables', () => {
    const check = checkDeploySettings({ ...complete, LIVEWATCH_OPT_OUT_IDS: 'x'.repeat(3_000) });
    expect(check.problems.map((p) => p.message).join('\n')).toMatch(/total \d+ bytes; FC allows 4096/);
  });

  it('says plainly when the deploy will act (dry run off) and when an AccessKey in the shell is not deployed', () => {
    const notes = checkDeploySettings({
      ...complete,
      LIVEWATCH_DRY_RUN: 'false',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-x',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret-x',
    }).notes.join('\n');
    expect(notes).toMatch(/^NOT a dry run/m);
    expect(notes).toContain('ALIBABA_CLOUD_ACCESS_KEY_ID is set in this shell but not deployed');
  });
});

describe('npm run check:deploy (what s.yaml’s pre-deploy action runs)', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['bin/run-ts.js', 'scripts/check-deploy.ts'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('exits 1 and names each problem, so `s deploy` stops before building or uploading', () => {
    const result = run({ LIVEWATCH_VPC_ID: 'vpc-placeholder' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('nothing was deployed');
    expect(result.stderr).toContain('LIVEWATCH_VPC_ID: is a placeholder ("vpc-placeholder")');
    expect(result.stderr).toContain('LIVEWATCH_CALLBACK_TOKENS: is empty');
  });

  it('exits 0 on a complete shell and prints the notes', () => {
    const result = run(complete);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('note: dry run:');
    expect(result.stdout).toContain('settings OK');
  });
});
