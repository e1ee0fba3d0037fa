import { runProcess } from "../exec/runner.ts";

export interface ProcessRow {
  pid: number;
  ppid: number;
  rssKb: number;
  cpuPercent: number;
}

/** One `ps` for every process: pid, parent, resident size (KiB) and CPU %. */
export async function readProcessTable(): Promise<ProcessRow[]> {
  const result = await runProcess(["ps", "-A", "-o", "pid=,ppid=,rss=,pcpu="]);
  if (result.exitCode !== 0) return [];
  const rows: ProcessRow[] = [];
  for (const line of result.stdout.split("\n")) {
    const [pid, ppid, rss, cpu] = line.trim().split(/\s+/);
    if (!pid || !ppid) continue;
    rows.push({ pid: Number(pid), ppid: Number(ppid), rssKb: Number(rss ?? 0), cpuPercent: Number(cpu ?? 0) });
  }
  return rows;
}

/** The processes in the trees rooted at `roots` (the pane pids), each counted once. */
export function processTree(table: ProcessRow[], roots: number[]): ProcessRow[] {
  const children = new Map<number, ProcessRow[]>();
  const byPid = new Map<number, ProcessRow>();
  for (const row of table) {
    byPid.set(row.pid, row);
    const list = children.get(row.ppid) ?? [];
    list.push(row);
    children.set(row.ppid, list);
  }
  const seen = new Set<number>();
  const out: ProcessRow[] = [];
  const stack = [...roots];
  while (stack.length) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const row = byPid.get(pid);
    if (row) out.push(row);
    for (const child of children.get(pid) ?? []) stack.push(child.pid);
  }
  return out;
}
