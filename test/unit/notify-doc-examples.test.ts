import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DOC_PATH,
  renderNotifyExamples,
  withRenderedExamples,
} from '../../scripts/render-notify-examples.js';

describe('docs/notify.md message examples', () => {
  it('are what the real renderers produce today (run `npm run docs:notify` after changing a renderer)', () => {
    const doc = readFileSync(DOC_PATH, 'utf8');
    expect(withRenderedExamples(doc), 'docs/notify.md is stale: run npm run docs:notify').toBe(doc);
  });

  it('show every channel in both languages, with the mentions, links and zh-CN wording', () => {
    const section = renderNotifyExamples();
    const blocks = [...section.matchAll(/<summary>(en|zh-CN)<\/summary>\n\n```json\n([\s\S]*?)\n```/g)];
    expect(blocks.map((b) => b[1])).toEqual([
      'en',
      'zh-CN',
      'en',
      'zh-CN',
      'en',
      'zh-CN',
      'en',
      'zh-CN',
      'en',
      'zh-CN',
    ]);
    for (const [, , json] of blocks) expect(() => JSON.parse(json ?? '')).not.toThrow();
    const [dingtalkEn, dingtalkZh] = blocks.map((b) => JSON.parse(b[2] ?? '') as unknown);
    expect(dingtalkEn).toMatchObject({ at: { atMobiles: ['13800000000'] } });
    expect(JSON.stringify(dingtalkEn)).toContain('live.console.aliyun.com');
    expect(JSON.stringify(dingtalkEn)).toContain('https://livewatch.example.com/status/tasks/task-42');
    expect(JSON.stringify(dingtalkZh)).toContain('已停止');
    // Escaped per channel: the task name's brackets stay text in markdown.
    expect(JSON.stringify(dingtalkEn)).toContain('studio-a ［HD］');
  });
});
