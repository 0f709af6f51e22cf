import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layer table of README's Development section, enforced over the real import graph: every
 * relative import (static, `export … from`, or a literal dynamic `import()`) of the shipped code is
 * resolved and checked against the row of the importing layer. A new `lib/` folder needs a row here
 * and in the README.
 */
const ROOT = join(import.meta.dirname, '..', '..');

/** `lib/*.ts` files every layer may use: errors, clock, log, redaction, zod-issue conversion. */
const KERNEL = 'lib (kernel)';

/** What every core above the parts may use: the kernel, the ports and the parts beneath them. */
const PARTS = [KERNEL, 'lib/aliyun', 'lib/config', 'lib/events', 'lib/notify', 'lib/ports', 'lib/store'];

/** Layer → the layers it may import (its own layer is always allowed). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  [KERNEL]: [],
  'lib/ports': [KERNEL],
  'lib/config': [KERNEL],
  'lib/events': [KERNEL],
  'lib/store': [KERNEL, 'lib/config', 'lib/events'],
  'lib/aliyun': [KERNEL, 'lib/config', 'lib/events', 'lib/ports', 'lib/store'],
  'lib/notify': [KERNEL, 'lib/config', 'lib/events', 'lib/store'],
  'lib/callback': [KERNEL, 'lib/config', 'lib/events', 'lib/notify', 'lib/ports', 'lib/store'],
  'lib/monitor': [...PARTS, 'lib/callback'],
  'lib/remediate': PARTS,
  'lib/alert': [...PARTS, 'lib/remediate'],
  // The doctor checks every part, so it sees each port (never an adapter: it gets them from the runtime).
  'lib/doctor': PARTS,
  // The status page reads what the core decided (views only; it never acts), so it sees the core's rules.
  'lib/status': [...PARTS, 'lib/callback', 'lib/remediate'],
  // Operator actions (CLI): apply the core's ledger and breaker rules, record who and why.
  'lib/operator': [
    KERNEL,
    'lib/config',
    'lib/events',
    'lib/notify',
    'lib/remediate',
    'lib/status',
    'lib/store',
  ],
  // The FC adapter depends on the ports the core owns, never on the core itself.
  'lib/fc': [KERNEL, 'lib/ports'],
  // The composition root is the one place in lib/ that knows every adapter.
  'lib/runtime.ts': ['lib/*'],
  // Function glue: decode, call one core function with the runtime, encode.
  'functions/*': ['lib/*'],
  // The emulator models Alibaba Cloud: it must not borrow livewatch's own rules.
  'local/emulator': [KERNEL, 'lib/config'],
  'local/host': [KERNEL, 'lib/config', 'lib/fc', 'lib/ports'],
  'local/sinks': [KERNEL, 'lib/notify'],
  // bin/livewatch.js builds a missing CLI bundle once (installed with --ignore-scripts).
  bin: ['lib/*', 'local/*', 'functions/*', 'scripts'],
};

const KERNEL_FILES = new Set([
  'lib/clock.ts',
  'lib/errors.ts',
  'lib/log.ts',
  'lib/openapi-sdk.ts',
  'lib/redact.ts',
  'lib/url-host.ts',
  'lib/zod-issues.ts',
  'lib/is-valid-reg-exp.ts',
]);

function layerOf(file: string): string {
  const parts = file.split('/');
  const [top, second] = parts;
  if (top === 'lib') {
    if (parts.length > 2) return `lib/${second}`;
    return KERNEL_FILES.has(file) ? KERNEL : file;
  }
  if (top === 'functions') return `functions/${second}`;
  if (top === 'local') return `local/${second}`;
  return top ?? file;
}

function allows(from: string, to: string): boolean {
  if (from === to) return true;
  const row = MAY_IMPORT[from] ?? MAY_IMPORT[from.replace(/\/[^/]+$/, '/*')] ?? [];
  return row.some((allowed) =>
    allowed.endsWith('/*')
      ? to.startsWith(allowed.slice(0, -1)) || (allowed === 'lib/*' && to === KERNEL)
      : allowed === to,
  );
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const IMPORT =
  /(?:^|\s)(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)|^import\s+'(\.[^']+)'/gm;

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (spec === undefined) continue;
    const resolved = relative(ROOT, normalize(join(ROOT, dirname(file), spec)));
    targets.push(resolved.replace(/\.js$/, '.ts'));
  }
  return targets;
}

const FILES = ['functions', 'lib', 'local', 'bin'].flatMap(sourceFiles);

describe('the layer table', () => {
  it('finds the import graph it checks', () => {
    // Guards the scan itself: a regex that matched nothing would make every rule below pass.
    const edges = FILES.flatMap(importsOf);
    expect(FILES.length).toBeGreaterThan(100);
    expect(edges).toContain('lib/ports/invoker.ts');
    expect(importsOf('bin/commands/start.ts')).toContain('functions/alert/index.ts');
  });

  it('has a row for every layer', () => {
    const missing = [...new Set(FILES.map(layerOf))].filter(
      (layer) => MAY_IMPORT[layer] === undefined && MAY_IMPORT[layer.replace(/\/[^/]+$/, '/*')] === undefined,
    );
    expect(missing, 'add a row to MAY_IMPORT here and to the README table').toEqual([]);
  });

  it('is kept by every import', () => {
    const violations: string[] = [];
    for (const file of FILES) {
      for (const target of importsOf(file)) {
        if (target.startsWith('..') || target === 'package.json') continue;
        const from = layerOf(file);
        const to = layerOf(target);
        if (!allows(from, to)) violations.push(`${file} → ${target} (${from} may not import ${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('rejects what the table forbids', () => {
    expect(allows('lib/callback', 'lib/fc')).toBe(false);
    expect(allows('lib/fc', 'lib/aliyun')).toBe(false);
    expect(allows('lib/monitor', 'local/emulator')).toBe(false);
    expect(allows('lib/remediate', 'lib/alert')).toBe(false);
    expect(allows('functions/alert', 'local/host')).toBe(false);
    expect(allows('lib/runtime.ts', 'lib/fc')).toBe(true);
    expect(allows('functions/poller', KERNEL)).toBe(true);
  });
});
