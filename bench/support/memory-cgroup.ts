import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A Linux memory cgroup of `limitMb`, so that a benchmark's child runs with the memory limit of a
 * Function Compute instance: Node sizes V8's young generation from the limit it finds
 * (`process.constrainedMemory()`), and the kernel OOM-kills the process beyond it, as FC's container
 * would. Needs root and a writable cgroup filesystem (v2 at /sys/fs/cgroup, or v1's memory
 * controller at /sys/fs/cgroup/memory); elsewhere (or with a limit of 0) the command runs
 * unconstrained and the readings say why.
 */
export interface MemoryCgroup {
  /** Wraps a command so that it runs inside the cgroup (a shell joins it, then execs the command). */
  command(file: string, args: readonly string[]): { file: string; args: string[] };
  /** The cgroup's peak charge (memory and page cache first touched inside it) and its OOM kills. */
  readings(): MemoryReadings;
  remove(): void;
}

export type MemoryReadings =
  | { readonly peakMb: number; readonly oomKills: number }
  | { readonly unconstrained: string };

const MB = 1024 * 1024;

export function openMemoryCgroup(limitMb: number): MemoryCgroup {
  if (limitMb <= 0) return unconstrained('no limit asked for');
  const name = `livewatch-bench-${process.pid}`;
  const layouts = [
    { dir: join('/sys/fs/cgroup', name), limit: 'memory.max', peak: 'memory.peak', events: 'memory.events' },
    {
      dir: join('/sys/fs/cgroup/memory', name),
      limit: 'memory.limit_in_bytes',
      peak: 'memory.max_usage_in_bytes',
      events: 'memory.oom_control',
    },
  ];
  const reasons: string[] = [];
  for (const layout of layouts) {
    try {
      mkdirSync(layout.dir);
    } catch (error) {
      reasons.push(`${layout.dir}: ${(error as Error).message}`);
      continue;
    }
    const procs = join(layout.dir, 'cgroup.procs');
    // The kernel fills a new cgroup with its files; a plain directory (a tmpfs) is not one.
    if (!existsSync(procs) || !existsSync(join(layout.dir, layout.limit))) {
      rmdirSync(layout.dir);
      reasons.push(`${layout.dir}: not a cgroup with a memory controller`);
      continue;
    }
    try {
      writeFileSync(join(layout.dir, layout.limit), String(limitMb * MB));
    } catch (error) {
      rmdirSync(layout.dir);
      reasons.push(`${layout.dir}/${layout.limit}: ${(error as Error).message}`);
      continue;
    }
    return {
      command: (file, args) => ({
        file: 'sh',
        args: ['-c', `echo $$ > '${procs}' && exec "$0" "$@"`, file, ...args],
      }),
      readings: () => ({
        peakMb: Number(readFileSync(join(layout.dir, layout.peak), 'utf8')) / MB,
        oomKills: Number(
          /^oom_kill (\d+)$/m.exec(readFileSync(join(layout.dir, layout.events), 'utf8'))?.[1] ?? 0,
        ),
      }),
      remove: () => rmdirSync(layout.dir),
    };
  }
  return unconstrained(reasons.join('; '));
}

function unconstrained(why: string): MemoryCgroup {
  return {
    command: (file, args) => ({ file, args: [...args] }),
    readings: () => ({ unconstrained: why }),
    remove: () => undefined,
  };
}
