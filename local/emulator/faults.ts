/**
 * The emulator's fault state: failed sources, rejected pushes (by task or host), API faults at a
 * rate, per-call latency, and callback delivery faults. The engines read it; the control API, the
 * CLI and `emulator.faults` write it.
 */

export interface FaultSelector {
  readonly taskId?: string | undefined;
  readonly host?: string | undefined;
}

export type ApiFaultKind = '5xx' | 'timeout' | 'throttle';

export interface ApiFault {
  readonly kind: ApiFaultKind;
  /** 0–1: the share of matching calls that get the fault. 0 removes it. */
  readonly rate: number;
  /** Only this action (e.g. `DescribeLivePullToPushList`); all actions when absent. */
  readonly action?: string | undefined;
  /** Only the next N calls the fault hits; then it is removed (a single lost answer, say). */
  readonly next?: number | undefined;
}

/**
 * Per-call latency: fixed ms, a uniform [min, max], or a heavy tail — a Pareto distribution from
 * `minMs` with shape `alpha` (smaller: heavier), capped at `maxMs` — as real APIs show under load.
 */
export type Latency =
  | number
  | readonly [number, number]
  | { readonly paretoMinMs: number; readonly alpha: number; readonly maxMs: number };

/** One latency draw; `random` is uniform in [0, 1). */
export function drawLatencyMs(latency: Latency, random: () => number): number {
  if (typeof latency === 'number') return latency;
  if (Array.isArray(latency)) {
    const [min, max] = latency as readonly [number, number];
    return min + random() * (max - min);
  }
  const { paretoMinMs, alpha, maxMs } = latency as Exclude<Latency, number | readonly [number, number]>;
  return Math.min(maxMs, paretoMinMs / (1 - random()) ** (1 / alpha));
}

export interface CallbackFaults {
  /** 0–1: share of callbacks never sent. */
  readonly drop?: number;
  /** Drop exactly the next N callbacks. */
  readonly dropNext?: number;
  /** 0–1: share of callbacks sent twice. */
  readonly duplicate?: number;
  /** Send each of the next N callbacks twice. */
  readonly duplicateNext?: number;
  /** Extra delay before the first attempt, on the emulator's clock. */
  readonly delayMs?: number;
  /** Swap consecutive callbacks pairwise (the second is sent before the first). */
  readonly reorder?: boolean;
}

interface SelectorFault {
  readonly taskId: string | undefined;
  readonly host: string | undefined;
  /** Clock time the fault began. */
  readonly since: number;
}

export interface FaultMatch {
  readonly reason: 'PullStreamFailed' | 'PushStreamFailed';
  readonly since: number;
}

/** What a task (or job) looks like to the fault matcher. */
export interface FaultTarget {
  readonly ids: readonly string[];
  readonly sourceHosts: readonly string[];
  readonly dstHost: string | undefined;
}

export class FaultState {
  /** Failing sources and rejected pushes. */
  #stream: Record<'source' | 'push', SelectorFault[]> = { source: [], push: [] };
  #api = new Map<string, ApiFault>();
  #latency: Latency;
  readonly #initialLatency: Latency;
  #callbacks: CallbackFaults = {};
  #dropNext = 0;
  #duplicateNext = 0;
  #version = 0;

  constructor(latency: Latency) {
    this.#latency = latency;
    this.#initialLatency = latency;
  }

  /** Bumped whenever source/push faults change: cached task schedules are stale from then on. */
  get version(): number {
    return this.#version;
  }

  /** Whether any source or push fault is in force (a fast path for healthy fleets). */
  get hasStreamFaults(): boolean {
    return this.#stream.source.length > 0 || this.#stream.push.length > 0;
  }

  failSource(selector: FaultSelector, now: number): void {
    this.#addStreamFault('source', toFault(selector, now));
  }

  recoverSource(selector: FaultSelector): void {
    this.#removeStreamFaults('source', selector);
  }

  rejectPush(selector: FaultSelector, now: number): void {
    this.#addStreamFault('push', toFault(selector, now));
  }

  acceptPush(selector: FaultSelector): void {
    this.#removeStreamFaults('push', selector);
  }

  #addStreamFault(side: 'source' | 'push', fault: SelectorFault): void {
    this.#stream[side].push(fault);
    this.#version += 1;
  }

  #removeStreamFaults(side: 'source' | 'push', selector: FaultSelector): void {
    this.#stream[side] = this.#stream[side].filter((fault) => !sameSelector(fault, selector));
    this.#version += 1;
  }

  /** Source failures win over push failures; the earliest matching fault gives `since`. */
  healthOf(target: FaultTarget): FaultMatch | undefined {
    if (!this.hasStreamFaults) return undefined;
    const source = earliest(
      this.#stream.source.filter((fault) => matches(fault, target, target.sourceHosts)),
    );
    if (source !== undefined) return { reason: 'PullStreamFailed', since: source };
    const dstHosts = target.dstHost === undefined ? [] : [target.dstHost];
    const push = earliest(this.#stream.push.filter((fault) => matches(fault, target, dstHosts)));
    if (push !== undefined) return { reason: 'PushStreamFailed', since: push };
    return undefined;
  }

  setApiFault(fault: ApiFault): void {
    if (!(fault.rate >= 0 && fault.rate <= 1)) throw new RangeError(`rate must be 0–1, got ${fault.rate}`);
    if (fault.next !== undefined && !(Number.isInteger(fault.next) && fault.next >= 1)) {
      throw new RangeError(`next must be a whole number ≥ 1, got ${fault.next}`);
    }
    const key = `${fault.kind}|${fault.action ?? '*'}`;
    if (fault.rate === 0) this.#api.delete(key);
    else this.#api.set(key, fault);
  }

  /** Decides which API fault (if any) hits this call; `draw` is the seeded PRNG. */
  apiFaultFor(action: string, draw: () => number): ApiFaultKind | undefined {
    for (const kind of ['timeout', '5xx', 'throttle'] as const) {
      const key = this.#api.has(`${kind}|${action}`) ? `${kind}|${action}` : `${kind}|*`;
      const fault = this.#api.get(key);
      if (fault === undefined || draw() >= fault.rate) continue;
      if (fault.next === 1) this.#api.delete(key);
      else if (fault.next !== undefined) this.#api.set(key, { ...fault, next: fault.next - 1 });
      return kind;
    }
    return undefined;
  }

  get latency(): Latency {
    return this.#latency;
  }

  setLatency(latency: Latency): void {
    this.#latency = latency;
  }

  setCallbacks(faults: CallbackFaults): void {
    this.#callbacks = { ...faults };
    this.#dropNext = faults.dropNext ?? 0;
    this.#duplicateNext = faults.duplicateNext ?? 0;
  }

  get callbacks(): CallbackFaults {
    return this.#callbacks;
  }

  /** Consumes one of the "next N" drops if any are left. */
  takeDropNext(): boolean {
    if (this.#dropNext <= 0) return false;
    this.#dropNext -= 1;
    return true;
  }

  takeDuplicateNext(): boolean {
    if (this.#duplicateNext <= 0) return false;
    this.#duplicateNext -= 1;
    return true;
  }

  clear(): void {
    this.#stream = { source: [], push: [] };
    this.#version += 1;
    this.#api.clear();
    this.#latency = this.#initialLatency;
    this.setCallbacks({});
  }

  /** A JSON-able view for the control API and the CLI. */
  describe(): Record<string, unknown> {
    return {
      failedSources: this.#stream.source.map(viewOf),
      rejectedPushes: this.#stream.push.map(viewOf),
      api: [...this.#api.values()],
      latencyMs: this.#latency,
      callbacks: { ...this.#callbacks, dropNext: this.#dropNext, duplicateNext: this.#duplicateNext },
    };
  }
}

function toFault(selector: FaultSelector, now: number): SelectorFault {
  return { taskId: selector.taskId, host: selector.host?.toLowerCase(), since: now };
}

/** An empty selector matches every fault (recover everything). */
function sameSelector(fault: SelectorFault, selector: FaultSelector): boolean {
  if (selector.taskId === undefined && selector.host === undefined) return true;
  return (
    (selector.taskId === undefined || fault.taskId === selector.taskId) &&
    (selector.host === undefined || fault.host === selector.host.toLowerCase())
  );
}

/** A fault with neither id nor host hits everything. */
function matches(fault: SelectorFault, target: FaultTarget, hosts: readonly string[]): boolean {
  if (fault.taskId !== undefined && !target.ids.includes(fault.taskId)) return false;
  if (fault.host !== undefined && !hosts.includes(fault.host)) return false;
  return true;
}

function earliest(faults: readonly SelectorFault[]): number | undefined {
  let min: number | undefined;
  for (const fault of faults) if (min === undefined || fault.since < min) min = fault.since;
  return min;
}

function viewOf(fault: SelectorFault): Record<string, unknown> {
  return {
    ...(fault.taskId === undefined ? {} : { taskId: fault.taskId }),
    ...(fault.host === undefined ? {} : { host: fault.host }),
    since: new Date(fault.since).toISOString(),
  };
}
