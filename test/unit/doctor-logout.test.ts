// prj doctor's logout check: systemd-logind's KillUserProcesses without linger
// kills the tmux server at logout. Read from a directory tree standing for /.
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { checkLogout } from "../../src/doctor/checks.ts";
import { tempDir } from "../helpers/world.ts";

function tree(files: Record<string, string>, options: { systemd?: boolean } = {}): string {
  const root = tempDir("root-");
  if (options.systemd !== false) mkdirSync(join(root, "run/systemd/system"), { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("the logout check", () => {
  test("KillUserProcesses=yes without linger warns and says how to fix it", () => {
    const check = checkLogout("ada", tree({ "etc/systemd/logind.conf": "[Login]\nKillUserProcesses=yes\n" }));
    expect(check?.status).toBe("warn");
    expect(check?.message).toContain("KillUserProcesses=yes");
    expect(check?.hint).toContain("loginctl enable-linger ada");
  });

  test("lingering users are fine", () => {
    const check = checkLogout("ada", tree({ "etc/systemd/logind.conf": "[Login]\nKillUserProcesses=yes\n", "var/lib/systemd/linger/ada": "" }));
    expect(check?.status).toBe("ok");
  });

  test("a drop-in overrides logind.conf, the last by name winning; other sections and comments are ignored", () => {
    const on = tree({
      "etc/systemd/logind.conf": "[Login]\n#KillUserProcesses=no\n",
      "usr/lib/systemd/logind.conf.d/10-kill.conf": "[Login]\nKillUserProcesses=no\n",
      "etc/systemd/logind.conf.d/20-kill.conf": "[Other]\nKillUserProcesses=no\n[Login]\nKillUserProcesses=1\n",
    });
    expect(checkLogout("ada", on)?.status).toBe("warn");
    const off = tree({ "etc/systemd/logind.conf": "[Login]\nKillUserProcesses=yes\n", "etc/systemd/logind.conf.d/50-keep.conf": "[Login]\nKillUserProcesses=no\n" });
    expect(checkLogout("ada", off)).toBeUndefined();
  });

  test("skipped quietly without systemd, or when KillUserProcesses is not set", () => {
    expect(checkLogout("ada", tree({ "etc/systemd/logind.conf": "[Login]\nKillUserProcesses=yes\n" }, { systemd: false }))).toBeUndefined();
    expect(checkLogout("ada", tree({}))).toBeUndefined();
  });
});
