import type { Severity } from '../store/store.js';

/** Languages messages are written in (LIVEWATCH_LANGUAGE, or a route's `language`). */
export type Language = 'en' | 'zh-CN';

/** The fixed wording around alerts, per language (alert titles carry their own translations). */
export interface Phrases {
  readonly severity: Readonly<Record<Severity, string>>;
  readonly resolvedLabel: string;
  readonly stillFiring: string;
  counts(firing: number, resolved: number, notices: number): string;
  groups(count: number, counts: string): string;
  since(time: string): string;
  at(time: string): string;
  resolvedAt(time: string): string;
  more(omitted: number): string;
  pending(groups: number): string;
  readonly link: Readonly<Record<'console' | 'status', string>>;
  readonly test: { readonly title: string; readonly text: string };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const EN: Phrases = {
  severity: { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' },
  resolvedLabel: 'RESOLVED',
  stillFiring: ' (still firing)',
  counts(firing, resolved, notices) {
    const parts: string[] = [];
    if (firing > 0) parts.push(`${firing} firing`);
    if (resolved > 0) parts.push(`${resolved} resolved`);
    if (notices > 0) parts.push(plural(notices, 'notice'));
    return parts.length > 0 ? parts.join(', ') : 'nothing pending';
  },
  groups: (count, counts) => `${count} alert groups (${counts})`,
  since: (time) => `since ${time}`,
  at: (time) => `at ${time}`,
  resolvedAt: (time) => `resolved ${time}`,
  more: (n) => `… ${plural(n, 'more alert')} not shown (message size limit)`,
  pending: (n) =>
    `${plural(n, 'more alert group')} pending for this channel: they follow in the next message.`,
  link: { console: 'console', status: 'livewatch' },
  test: {
    title: 'livewatch test message',
    text: 'A test from `livewatch notify test`: this receiver works. Nothing is wrong.',
  },
};

const ZH: Phrases = {
  severity: { critical: '严重', warning: '警告', info: '通知' },
  resolvedLabel: '已恢复',
  stillFiring: '（仍在告警）',
  counts(firing, resolved, notices) {
    const parts: string[] = [];
    if (firing > 0) parts.push(`${firing} 条告警中`);
    if (resolved > 0) parts.push(`${resolved} 条已恢复`);
    if (notices > 0) parts.push(`${notices} 条通知`);
    return parts.length > 0 ? parts.join('，') : '无待处理';
  },
  groups: (count, counts) => `${count} 组告警（${counts}）`,
  since: (time) => `开始于 ${time}`,
  at: (time) => `发生于 ${time}`,
  resolvedAt: (time) => `恢复于 ${time}`,
  more: (n) => `… 另有 ${n} 条告警未显示（消息长度限制）`,
  pending: (n) => `本渠道另有 ${n} 组告警待发送，将在下一条消息中发出。`,
  link: { console: '控制台', status: 'livewatch 状态页' },
  test: {
    title: 'livewatch 测试消息',
    text: '这是 `livewatch notify test` 发送的测试消息：此接收方工作正常，没有故障。',
  },
};

export function phrasesOf(language: Language): Phrases {
  return language === 'zh-CN' ? ZH : EN;
}
