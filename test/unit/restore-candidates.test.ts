// Which recorded sessions restore brings back: the rule, as a table.
import { describe, expect, test } from "bun:test";
import { restoreCandidates } from "../../src/sessions/restore.ts";
import type { SessionRow } from "../../src/state/rows.ts";

function row(name: string, endedAt: string, endSource: string | null, socket: string | null = "s"): SessionRow & { endSource: string | null } {
  return {
    id: name.length,
    name,
    tmuxId: "$1",
    projectPath: "/p",
    worktree: "main",
    worktreePath: null,
    task: "dev",
    command: "c",
    workingDirectory: "/p",
    socket,
    createdAt: "2026-11-30T10:00:00.000Z",
    endedAt,
    endReason: "gone",
    eventId: null,
    plan: null,
    endSource,
  };
}

describe("restoreCandidates", () => {
  test("server exits and reconciled ends come back; a session the user closed does not", () => {
    const names = restoreCandidates(
      [row("crash", "2026-11-30T11:00:00.000Z", "server-exit"), row("reboot", "2026-11-30T09:00:00.000Z", "reconcile"), row("closed", "2026-11-30T08:00:00.000Z", "tmux-hook")],
      [],
    ).map((candidate) => candidate.row.name);
    expect(names).toEqual(["crash", "reboot"]);
  });

  test("kill-server ran the hook for some sessions first: those closed in the same second come back too", () => {
    const names = restoreCandidates(
      [
        row("hooked", "2026-11-30T11:00:00.000Z", "tmux-hook"),
        row("also-hooked", "2026-11-30T11:00:00.800Z", "tmux-hook"),
        row("no-hook", "2026-11-30T11:00:01.000Z", "server-exit"),
        row("closed-earlier", "2026-11-30T10:59:50.000Z", "tmux-hook"),
        row("other-server", "2026-11-30T11:00:00.000Z", "tmux-hook", "t"),
      ],
      [],
    ).map((candidate) => candidate.row.name);
    expect(names).toEqual(["hooked", "also-hooked", "no-hook"]);
  });

  test("a close followed by the server exiting because prj killed the last session stays closed", () => {
    expect(restoreCandidates([row("closed", "2026-11-30T11:00:00.000Z", "tmux-hook")], [])).toEqual([]);
  });
});
