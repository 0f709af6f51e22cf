import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zodIssues } from '../../lib/zod-issues.js';

describe('zodIssues', () => {
  it('gives each issue a dotted path (array indexes included) and zod’s message, never the input value', () => {
    const schema = z.object({ tasks: z.array(z.object({ id: z.string().min(3) })) });
    const result = schema.safeParse({ tasks: [{ id: 'abc' }, { id: 'x1' }] });
    expect(result.success).toBe(false);
    const issues = zodIssues(result.error as z.ZodError);
    expect(issues).toEqual([{ path: 'tasks.1.id', message: expect.any(String) }]);
    expect(JSON.stringify(issues)).not.toContain('x1');
  });

  it('names the root with an empty path and survives symbol keys', () => {
    const root = z.string().safeParse(1);
    expect(zodIssues(root.error as z.ZodError)[0]?.path).toBe('');
    const key = Symbol('k');
    const error = new z.ZodError([{ code: 'custom', path: [key, 0], message: 'bad', input: undefined }]);
    expect(zodIssues(error)).toEqual([{ path: 'Symbol(k).0', message: 'bad' }]);
  });
});
