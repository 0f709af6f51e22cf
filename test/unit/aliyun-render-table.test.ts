import { describe, expect, it } from 'vitest';
import { renderResourceTable } from '../../bin/render-columns.js';
import { sourceHostOf } from '../../lib/aliyun/render-resource-table.js';
import { redactDeep } from '../../lib/redact.js';

describe('CLI rendering', () => {
  it('shows a source by host only, never credentials, path or auth key', () => {
    expect(sourceHostOf('rtmp://user:pw@origin.example.com:1935/app/s?auth_key=1-0-0-abc')).toBe(
      'origin.example.com:1935',
    );
    expect(sourceHostOf('https://cdn.example.com/a.mp4')).toBe('cdn.example.com');
    expect(sourceHostOf('7d9ac99158d6779cda5bb7febafc018d')).toBe('7d9ac99158d6779cda5bb7febafc018d');
    expect(sourceHostOf(undefined)).toBe('-');
  });

  it('aligns columns and masks secrets in cells', () => {
    const table = renderResourceTable(
      ['ID', 'NAME', 'STATE'],
      [
        ['a', 'short', 'running'],
        ['bbbbbb', 'see rtmp://h/x?auth_key=123-0-0-secret', 'offline'],
      ],
    );
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^ID {6}NAME +STATE$/);
    expect(lines[1]?.indexOf('running')).toBe(lines[0]?.indexOf('STATE'));
    expect(lines[2]?.indexOf('offline')).toBe(lines[0]?.indexOf('STATE'));
    expect(lines[2]).toContain('auth_key=***');
    expect(table).not.toContain('secret');
  });

  it('redacts auth keys inside JSON output', () => {
    const task = { sourceUrls: ['rtmp://h/app/s?auth_key=1-0-0-deadbeef'], name: 'x' };
    expect(redactDeep(task)).toEqual({ sourceUrls: ['rtmp://h/app/s?auth_key=***'], name: 'x' });
  });
});
