import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../../lib/config/config.js';

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('documents every setting', () => {
    const missing = SETTING_NAMES.filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('keeps the two-command quick start', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
