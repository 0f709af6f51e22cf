import { describe, expect, it } from 'vitest';
import { credentialsOf } from '../../lib/fc/fc-context.js';
import { fakeFcContext } from '../support/fc-context.js';

describe('credentialsOf', () => {
  it('is undefined when the function has no role (empty credentials)', () => {
    expect(credentialsOf(fakeFcContext())).toBeUndefined();
  });

  it('is undefined when the context has no credentials at all', () => {
    expect(credentialsOf({ ...fakeFcContext(), credentials: undefined })).toBeUndefined();
  });

  it('returns the role STS keys', () => {
    const context = fakeFcContext({
      credentials: { accessKeyId: 'STS.abc', accessKeySecret: 'sec', securityToken: 'tok' },
    });
    expect(credentialsOf(context)).toEqual({
      accessKeyId: 'STS.abc',
      accessKeySecret: 'sec',
      securityToken: 'tok',
    });
  });

  it('omits an empty security token', () => {
    const context = fakeFcContext({
      credentials: { accessKeyId: 'LTAI', accessKeySecret: 'sec', securityToken: '' },
    });
    expect(credentialsOf(context)).toEqual({ accessKeyId: 'LTAI', accessKeySecret: 'sec' });
  });
});
