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

/** A process table indexed by parent, built once and walked per session. */
export class ProcessIndex {
  private readonly byPid = new Map<number, ProcessRow>();
  private readonly children = new Map<number, ProcessRow[]>();

  constructor(table: ProcessRow[]) {
    for (const row of table) {
      this.byPid.set(row.pid, row);
      const list = this.children.get(row.ppid);
      if (list) list.push(row);
      else this.children.set(row.ppid, [row]);
    }
  }

  /** The processes in the trees rooted at `roots` (pane pids), each counted once even if reached twice. */
  tree(roots: number[]): ProcessRow[] {
    const seen = new Set<number>();
    const out: ProcessRow[] = [];
    const stack = [...roots];
    while (stack.length) {
      const pid = stack.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const row = this.byPid.get(pid);
      if (row) out.push(row);
      for (const child of this.children.get(pid) ?? []) stack.push(child.pid);
    }
    return out;
  }
}
