import type { Config } from '../config/config.js';
import { policyFromConfig } from '../remediate/remediation-policy.js';
import type { Store } from '../store/store.js';
import { SCAN_PAGE } from './read-overview.js';
import { labelValue } from './record-metrics.js';
import { toTaskRow } from './task-row.js';

interface Family {
  readonly type: 'gauge' | 'counter' | 'summary';
  readonly help: string;
}

/** Every family livewatch exposes; counters come from the store, gauges are read at scrape time. */
const FAMILIES: Readonly<Record<string, Family>> = {
  livewatch_tasks: { type: 'gauge', help: 'Tasks and jobs by kind, region and state (store snapshots).' },
  livewatch_tasks_needing_person: { type: 'gauge', help: 'Tasks whose restart budget is spent, by region.' },
  livewatch_breaker_state: { type: 'gauge', help: 'Circuit breakers: 1 for the state each is in.' },
  livewatch_outbox_messages: { type: 'gauge', help: 'Notification outbox by status (pending, sent, dead).' },
  livewatch_heartbeat_age_seconds: {
    type: 'gauge',
    help: 'Seconds since the last successful sweep (-1: none yet).',
  },
  livewatch_last_sweep_duration_seconds: { type: 'gauge', help: 'Duration of the last successful sweep.' },
  livewatch_callbacks_total: { type: 'counter', help: 'Callback requests answered, by HTTP status.' },
  livewatch_callback_duration_seconds: { type: 'summary', help: 'Time to answer callback requests.' },
  livewatch_sweeps_total: { type: 'counter', help: 'Poller sweeps by outcome.' },
  livewatch_sweep_duration_seconds: { type: 'summary', help: 'Time spent in sweeps.' },
  livewatch_api_calls_total: {
    type: 'counter',
    help: 'Alibaba Cloud API requests sent, by action (retries included).',
  },
  livewatch_api_throttled_total: { type: 'counter', help: 'Throttling answers from the API, by action.' },
  livewatch_remediation_outcomes_total: {
    type: 'counter',
    help: 'Remediation decisions and restarts, by outcome.',
  },
};

/**
 * The Prometheus text exposition format (version 0.0.4), written here rather than with prom-client:
 * every value is read from the store at scrape time (a per-instance registry would count one FC
 * instance only), so a client library would only format, and it costs ~50 ms of cold start
 * (`docs/status-page.md`). Task gauges scan snapshots in pages, like the overview.
 */
export async function readMetrics(store: Store, config: Config, now: number): Promise<string> {
  const samples = new Map<string, Array<[string, number]>>();
  const add = (family: string, series: string, value: number) => {
    const list = samples.get(family) ?? [];
    list.push([series, value]);
    samples.set(family, list);
  };
  const policy = policyFromConfig(config);
  const ledgers = new Map((await store.ledgers.list()).map((d) => [d.key, d.value]));
  const tasks = new Map<string, number>();
  const people = new Map<string, number>();
  let after: string | undefined;
  do {
    const page = await store.snapshots.listPage({ limit: SCAN_PAGE, ...(after ? { after } : {}) });
    for (const { key, value } of page.items) {
      const row = toTaskRow(key, value, ledgers.get(key), policy, now);
      const series = `livewatch_tasks{kind="${row.kind}",region="${labelValue(row.region)}",state="${labelValue(row.state)}"}`;
      tasks.set(series, (tasks.get(series) ?? 0) + 1);
      if (row.needsPerson) people.set(row.region, (people.get(row.region) ?? 0) + 1);
    }
    after = page.next;
  } while (after !== undefined);
  for (const [series, n] of tasks) add('livewatch_tasks', series, n);
  for (const [region, n] of people)
    add(
      'livewatch_tasks_needing_person',
      `livewatch_tasks_needing_person{region="${labelValue(region)}"}`,
      n,
    );
  for (const { value } of await store.breakers.list()) {
    for (const state of ['closed', 'open', 'half-open']) {
      add(
        'livewatch_breaker_state',
        `livewatch_breaker_state{breaker="${labelValue(value.key)}",state="${state}"}`,
        value.state === state ? 1 : 0,
      );
    }
  }
  const outbox = await store.outboxStats();
  for (const status of ['pending', 'sent', 'dead'] as const) {
    add('livewatch_outbox_messages', `livewatch_outbox_messages{status="${status}"}`, outbox[status]);
  }
  const heartbeat = await store.getHeartbeat();
  add(
    'livewatch_heartbeat_age_seconds',
    'livewatch_heartbeat_age_seconds',
    heartbeat ? Math.round((now - heartbeat.lastSuccessAt) / 1000) : -1,
  );
  if (heartbeat)
    add(
      'livewatch_last_sweep_duration_seconds',
      'livewatch_last_sweep_duration_seconds',
      heartbeat.durationMs / 1000,
    );
  for (const [series, value] of Object.entries(await store.getCounters())) {
    const family = familyOf(series);
    if (family !== undefined) add(family, series, value);
  }
  return render(samples);
}

/** A series' family: its own name, or a summary's name without `_sum`/`_count`; unknown names are left out. */
function familyOf(series: string): string | undefined {
  const name = series.split('{')[0] ?? '';
  if (name in FAMILIES) return name;
  const base = name.replace(/_(sum|count)$/, '');
  return FAMILIES[base]?.type === 'summary' ? base : undefined;
}

function render(samples: Map<string, Array<[string, number]>>): string {
  const lines: string[] = [];
  for (const [family, meta] of Object.entries(FAMILIES)) {
    const list = samples.get(family);
    if (!list || list.length === 0) continue;
    lines.push(`# HELP ${family} ${meta.help}`, `# TYPE ${family} ${meta.type}`);
    for (const [series, value] of list.sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`${series} ${Number.isInteger(value) ? value : value.toFixed(6)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
