// scripts/install.sh under dash (POSIX sh, as `curl | sh` runs it on Debian),
// with a temp HOME and PREFIX: local installs, checksums, the PATH hint, and
// downloads from a file:// "release" so OS/CPU detection is exercised offline.
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { missing } from "../helpers/tools.ts";
import { run, tempDir, type RunResult } from "../helpers/world.ts";
import { ensureBinary, expectExit, prjBinary, repoRoot } from "./support.ts";

const installer = join(repoRoot, "scripts/install.sh");
const shell = Bun.which("dash") ?? "sh";
const TARGETS = ["linux-x64", "linux-x64-baseline", "linux-arm64", "darwin-x64", "darwin-arm64"];

beforeAll(async () => {
  await ensureBinary();
}, 120_000);

function sha256(path: string): string {
  return new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");
}

/** A stand-in for a release binary: a script whose `--version` prints `version`. */
function fakeBinary(dir: string, name: string, version: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho ${version}\n`);
  chmodSync(path, 0o644); // the installer must set the mode itself
  return path;
}

function writeChecksum(file: string, hex = sha256(file)): void {
  writeFileSync(`${file}.sha256`, `${hex}  ${file.split("/").pop()}\n`);
}

interface Install extends RunResult {
  home: string;
  bin: string;
}

async function install(env: Record<string, string | undefined>, options: { prefix?: boolean } = {}): Promise<Install> {
  const home = tempDir("install-home-");
  const prefix = options.prefix === false ? undefined : tempDir("install-prefix-");
  const result = await run([shell, installer], {
    cwd: home,
    env: { HOME: home, PREFIX: prefix, SHELL: "/bin/bash", PATH: "/usr/local/bin:/usr/bin:/bin", ...env },
  });
  return { ...result, home, bin: prefix ? join(prefix, "bin") : join(home, ".local/bin") };
}

describe("install.sh with PRJ_INSTALL_FROM", () => {
  test("installs the real binary with its .sha256: mode 755, runs, nothing left over", async () => {
    const dir = tempDir("release-");
    const binary = join(dir, "prj-linux-x64");
    await Bun.write(binary, Bun.file(prjBinary));
    writeChecksum(binary);
    const result = await install({ PRJ_INSTALL_FROM: binary });
    expectExit(result, 0);
    const installed = join(result.bin, "prj");
    expect(statSync(installed).mode & 0o777).toBe(0o755);
    expect(sha256(installed)).toBe(sha256(prjBinary));
    expect(result.stdout).toContain("Checksum ok");
    expect(readdirSync(result.bin)).toEqual(["prj"]);
    const version = await run([installed, "--version"]);
    expect(result.stdout).toContain(`Installed prj ${version.stdout.trim()} to ${installed}`);
  });

  test("defaults to ~/.local/bin and says how to put it on PATH", async () => {
    const dir = tempDir("release-");
    const binary = fakeBinary(dir, "prj", "9.9.9");
    const result = await install({ PRJ_INSTALL_FROM: binary }, { prefix: false });
    expectExit(result, 0);
    expect(existsSync(join(result.home, ".local/bin/prj"))).toBe(true);
    expect(result.stdout).toContain(`${result.bin} is not on your PATH`);
    expect(result.stdout).toContain(`export PATH="${result.bin}:$PATH"' >> ~/.bashrc`);
    expect(result.stdout).toContain(`no ${binary}.sha256 and no PRJ_INSTALL_SHA256`);
  });

  test("no PATH hint when the directory is already on PATH", async () => {
    const dir = tempDir("release-");
    const binary = fakeBinary(dir, "prj", "9.9.9");
    const prefix = tempDir("install-prefix-");
    const result = await install({ PRJ_INSTALL_FROM: binary, PREFIX: prefix, PATH: `${prefix}/bin:/usr/bin:/bin` });
    expectExit(result, 0);
    expect(result.stdout).not.toContain("not on your PATH");
  });

  test("a .sha256 that does not match: refused, exit 1, the installed prj untouched", async () => {
    const dir = tempDir("release-");
    const binary = fakeBinary(dir, "prj", "9.9.9");
    writeChecksum(binary, "0".repeat(64));
    const prefix = tempDir("install-prefix-");
    const old = fakeBinary(dir, "old-prj", "1.0.0");
    const first = await install({ PRJ_INSTALL_FROM: old, PREFIX: prefix });
    expectExit(first, 0);
    const result = await install({ PRJ_INSTALL_FROM: binary, PREFIX: prefix });
    expectExit(result, 1);
    expect(result.stderr).toContain("checksum mismatch");
    expect(result.stderr).toContain("nothing was installed");
    expect(readdirSync(join(prefix, "bin"))).toEqual(["prj"]);
    expect(readFileSync(join(prefix, "bin/prj"), "utf8")).toContain("echo 1.0.0");
  });

  test("PRJ_INSTALL_SHA256: a wrong one refuses and installs nothing, the right one installs", async () => {
    const dir = tempDir("release-");
    const binary = fakeBinary(dir, "prj", "9.9.9");
    const wrong = await install({ PRJ_INSTALL_FROM: binary, PRJ_INSTALL_SHA256: "f".repeat(64) });
    expectExit(wrong, 1);
    expect(wrong.stderr).toContain("checksum mismatch");
    expect(existsSync(wrong.bin) ? readdirSync(wrong.bin) : []).toEqual([]);
    const right = await install({ PRJ_INSTALL_FROM: binary, PRJ_INSTALL_SHA256: sha256(binary).toUpperCase() });
    expectExit(right, 0);
    expect(right.stdout).toContain("Checksum ok (PRJ_INSTALL_SHA256)");
  });

  test("a missing file: exit 1 with the path, nothing installed", async () => {
    const missing = join(tempDir("release-"), "no-such-prj");
    const result = await install({ PRJ_INSTALL_FROM: missing });
    expectExit(result, 1);
    expect(result.stderr).toContain(`PRJ_INSTALL_FROM=${missing}: no such file`);
    expect(existsSync(join(result.bin, "prj"))).toBe(false);
  });

  test("a binary that cannot run here is not installed", async () => {
    const dir = tempDir("release-");
    const binary = join(dir, "prj");
    writeFileSync(binary, "#!/bin/sh\nexit 3\n");
    const result = await install({ PRJ_INSTALL_FROM: binary });
    expectExit(result, 1);
    expect(result.stderr).toContain("does not run on this machine");
    expect(existsSync(result.bin) ? readdirSync(result.bin) : []).toEqual([]);
  });
});

describe.skipIf(missing("curl"))("install.sh downloading from a release URL", () => {
  /** A file:// release holding every build; each build's --version prints its own target. */
  function fakeRelease(): string {
    const dir = tempDir("release-");
    for (const target of TARGETS) writeChecksum(fakeBinary(dir, `prj-${target}`, target));
    return dir;
  }

  test("picks the build for this OS and CPU and verifies it", async () => {
    const os = process.platform === "darwin" ? "darwin" : "linux";
    const arch = process.arch === "arm64" ? "arm64" : "x64";
    let expected = `${os}-${arch}`;
    if (os === "linux" && arch === "x64" && !/\bavx2\b/.test(readFileSync("/proc/cpuinfo", "utf8"))) expected += "-baseline";
    const result = await install({ PRJ_RELEASE_URL: `file://${fakeRelease()}` });
    expectExit(result, 0);
    expect(result.stdout).toContain(`Downloading prj-${expected} from file://`);
    expect(result.stdout).toContain(`Installed prj ${expected} to`);
  });

  test("PRJ_INSTALL_TARGET picks the baseline build; a bad .sha256 in the release is refused", async () => {
    const release = fakeRelease();
    const baseline = await install({ PRJ_RELEASE_URL: `file://${release}`, PRJ_INSTALL_TARGET: "linux-x64-baseline" });
    expectExit(baseline, 0);
    expect(baseline.stdout).toContain("Installed prj linux-x64-baseline");
    writeChecksum(join(release, "prj-linux-arm64"), "a".repeat(64));
    const tampered = await install({ PRJ_RELEASE_URL: `file://${release}`, PRJ_INSTALL_TARGET: "linux-arm64" });
    expectExit(tampered, 1);
    expect(tampered.stderr).toContain("checksum mismatch for prj-linux-arm64");
    expect(existsSync(tampered.bin) ? readdirSync(tampered.bin) : []).toEqual([]);
  });
});
