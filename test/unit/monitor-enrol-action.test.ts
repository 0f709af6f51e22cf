import { describe, expect, it } from 'vitest';
import { type EnrolPolicy, enrolActionFor } from '../../lib/monitor/enrol-relay-task.js';
import { relayTask } from '../support/monitor-resources.js';

const base = 'https://lw.example.com';
const policy = (mode: EnrolPolicy['mode'], overrides: Partial<EnrolPolicy> = {}): EnrolPolicy => ({
  mode,
  baseUrl: base,
  tokens: ['token-a-0123456789abcdef'],
  callbackUrlFor: (region) => `${base}/callback/token-a-0123456789abcdef?region=${region}`,
  ...overrides,
});

describe('enrolActionFor', () => {
  const none = relayTask({ taskId: 't1', status: 1 });
  const foreign = relayTask({ taskId: 't2', status: 1, callbackUrl: 'https://owner.example.com/hook' });
  const ours = relayTask({
    taskId: 't3',
    status: 1,
    callbackUrl: `${base}/callback/token-a-0123456789abcdef`,
  });

  it('enrols a task without a URL, in both modes', () => {
    expect(enrolActionFor(none, policy('missing'))).toBe('enrol');
    expect(enrolActionFor(none, policy('takeover'))).toBe('enrol');
  });

  it('takes over another receiver only in takeover mode', () => {
    expect(enrolActionFor(foreign, policy('missing'))).toBe('none');
    expect(enrolActionFor(foreign, policy('takeover'))).toBe('takeover');
  });

  it('leaves livewatch’s own tasks, exited tasks, and everything when off or unconfigured alone', () => {
    expect(enrolActionFor(ours, policy('takeover'))).toBe('none');
    expect(enrolActionFor(relayTask({ taskId: 't4', status: -1 }), policy('takeover'))).toBe('none');
    expect(enrolActionFor(none, policy('off'))).toBe('none');
    expect(enrolActionFor(none, policy('missing', { baseUrl: undefined }))).toBe('none');
    expect(enrolActionFor(none, policy('missing', { tokens: [] }))).toBe('none');
  });

  it('re-enrols a task whose livewatch URL names another region, so its callbacks are verified where it lives', () => {
    const elsewhere = relayTask({
      taskId: 't7',
      status: 1,
      callbackUrl: `${base}/callback/token-a-0123456789abcdef?region=cn-beijing`,
    });
    expect(elsewhere.region).not.toBe('cn-beijing');
    expect(enrolActionFor(elsewhere, policy('missing'))).toBe('enrol');
    const home = relayTask({ ...elsewhere, callbackUrl: policy('missing').callbackUrlFor(elsewhere.region) });
    expect(enrolActionFor(home, policy('missing'))).toBe('none');
  });

  it('enrols stopped and not-yet-started tasks too (Update is allowed there)', () => {
    expect(enrolActionFor(relayTask({ taskId: 't5', status: 3 }), policy('missing'))).toBe('enrol');
    expect(enrolActionFor(relayTask({ taskId: 't6', status: 0 }), policy('missing'))).toBe('enrol');
  });
});
