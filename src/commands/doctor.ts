import { defineCommand } from "./define.ts";
import { printJson, useColor, writeOut } from "../ui/output.ts";

const LABELS = { ok: "ok", warn: "warn", fail: "FAIL" } as const;
const COLORS = { ok: "\x1b[32m", warn: "\x1b[33m", fail: "\x1b[31m" } as const;

export default defineCommand({
  meta: { name: "doctor", description: "Check tmux, git, the shell, .prj, the database, command files and orphans" },
  args: { json: { type: "boolean", description: "Print the checks as JSON" } },
  async run({ args }) {
    const { runDoctor } = await import("../doctor/checks.ts");
    const report = await runDoctor();
    if (!report.ok) process.exitCode = 1;
    if (args.json) return printJson(report);
    const color = useColor();
    const width = Math.max(...report.checks.map((check) => check.title.length));
    const lines = [`prj doctor${report.project ? `: ${report.project}` : ""}`, ""];
    for (const check of report.checks) {
      const label = LABELS[check.status].padEnd(4);
      const shown = color ? `${COLORS[check.status]}${label}\x1b[0m` : label;
      lines.push(`  ${shown}  ${check.title.padEnd(width)}  ${check.message}`);
      for (const detail of check.details ?? []) lines.push(`${" ".repeat(width + 10)}${detail}`);
      if (check.status !== "ok" && check.hint) lines.push(`${" ".repeat(width + 10)}hint: ${check.hint}`);
    }
    const count = (status: string) => report.checks.filter((check) => check.status === status).length;
    lines.push("", `${count("ok")} ok, ${count("warn")} warning(s), ${count("fail")} failure(s)`);
    // Times in the details are local; the zone is named once.
    if (report.checks.some((check) => check.details?.some((detail) => /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(detail)))) {
      const { timeZoneLabel } = await import("../ui/time.ts");
      lines.push(`Times are in ${timeZoneLabel()}.`);
    }
    writeOut(`${lines.join("\n")}\n`);
  },
});
