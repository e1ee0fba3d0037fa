// scripts/homebrew-formula: a formula whose every platform points at the right
// release file with that file's checksum, and that Ruby accepts.
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { missing } from "../helpers/tools.ts";
import { run, tempDir, type RunResult } from "../helpers/world.ts";

const script = resolve(import.meta.dir, "../../scripts/homebrew-formula");
const TARGETS = ["darwin-arm64", "darwin-x64", "linux-arm64", "linux-x64", "linux-x64-baseline"];

/** A directory of `prj-<target>.sha256` files as release.yml writes them, with random checksums. */
function fakeChecksums(): { dir: string; sums: Record<string, string> } {
  const dir = tempDir("sums-");
  const sums: Record<string, string> = {};
  for (const target of TARGETS) {
    sums[target] = randomBytes(32).toString("hex");
    writeFileSync(join(dir, `prj-${target}.sha256`), `${sums[target]}  prj-${target}\n`);
  }
  return { dir, sums };
}

function formula(...args: string[]): Promise<RunResult> {
  return run(["sh", script, ...args]);
}

/** Every `url` with the `sha256` on the line after it. */
function pairs(text: string): { url: string; sha256: string }[] {
  return [...text.matchAll(/^\s*url "([^"]+)"\n\s*sha256 "([^"]+)"$/gm)].map((match) => ({ url: match[1]!, sha256: match[2]! }));
}

/** The block `on_X do … end` opened at `opener`, by indentation. */
function block(text: string, opener: RegExp): string {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => opener.test(line));
  if (start === -1) throw new Error(`no ${opener} in formula`);
  const indent = /^\s*/.exec(lines[start]!)![0];
  const end = lines.findIndex((line, index) => index > start && line === `${indent}end`);
  return lines.slice(start, end + 1).join("\n");
}

describe("scripts/homebrew-formula", () => {
  test("every platform's url and sha256 come from that platform's checksum file", async () => {
    const { dir, sums } = fakeChecksums();
    const result = await formula("v1.2.3", dir);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const text = result.stdout;
    const base = "https://github.com/prunejuice-dev/prj/releases/download/v1.2.3";
    const byUrl = (a: { url: string }, b: { url: string }) => a.url.localeCompare(b.url);
    expect(pairs(text).sort(byUrl)).toEqual(TARGETS.map((target) => ({ url: `${base}/prj-${target}`, sha256: sums[target]! })).sort(byUrl));

    const macos = block(text, /^ {2}on_macos do$/);
    const linux = block(text, /^ {2}on_linux do$/);
    expect(pairs(block(macos, /^ {4}on_arm do$/))).toEqual([{ url: `${base}/prj-darwin-arm64`, sha256: sums["darwin-arm64"]! }]);
    expect(pairs(block(macos, /^ {4}on_intel do$/))).toEqual([{ url: `${base}/prj-darwin-x64`, sha256: sums["darwin-x64"]! }]);
    expect(pairs(block(linux, /^ {4}on_arm do$/))).toEqual([{ url: `${base}/prj-linux-arm64`, sha256: sums["linux-arm64"]! }]);
    expect(pairs(block(linux, /^ {4}on_intel do$/))).toEqual([
      { url: `${base}/prj-linux-x64`, sha256: sums["linux-x64"]! },
      { url: `${base}/prj-linux-x64-baseline`, sha256: sums["linux-x64-baseline"]! },
    ]);

    expect(text).toContain("class Prj < Formula");
    expect(text).toMatch(/^ {2}desc "[^"]+"$/m);
    expect(text).toMatch(/^ {2}homepage "https:\/\/[^"]+"$/m);
    expect(text).toContain('  version "1.2.3"');
    expect(text).toContain('  depends_on "tmux"');
    expect(text).toContain('bin.install Dir["prj-*"].first => "prj"');
    expect(text).toContain('assert_match version.to_s, shell_output("#{bin}/prj --version")');
  });

  test.skipIf(missing("ruby"))("is valid Ruby", async () => {
    const { dir } = fakeChecksums();
    const result = await formula("1.2.3", dir);
    const file = join(tempDir("formula-"), "prj.rb");
    writeFileSync(file, result.stdout);
    const check = await run(["ruby", "-c", file]);
    expect(check.stdout.trim()).toBe("Syntax OK");
    expect(check.exitCode).toBe(0);
  });

  test.skipIf(missing("curl"))("fetches the checksums from a release URL; URL_BASE overrides the download URLs", async () => {
    const { dir, sums } = fakeChecksums();
    const fromUrl = await formula("1.2.3", `file://${dir}/`);
    expect(fromUrl.exitCode).toBe(0);
    expect(pairs(fromUrl.stdout)).toContainEqual({ url: `file://${dir}/prj-linux-arm64`, sha256: sums["linux-arm64"]! });
    const mirrored = await formula("1.2.3", dir, "https://mirror.example/prj/1.2.3/");
    expect(pairs(mirrored.stdout).map((pair) => pair.url)).toEqual(
      expect.arrayContaining(TARGETS.map((target) => `https://mirror.example/prj/1.2.3/prj-${target}`)),
    );
  });

  test("a missing or malformed checksum file prints no formula and exits 1", async () => {
    const { dir } = fakeChecksums();
    writeFileSync(join(dir, "prj-darwin-x64.sha256"), "not-a-checksum  prj-darwin-x64\n");
    const malformed = await formula("1.2.3", dir);
    expect(malformed.exitCode).toBe(1);
    expect(malformed.stdout).toBe("");
    expect(malformed.stderr).toContain("malformed checksum in");

    const empty = tempDir("sums-");
    const missing = await formula("1.2.3", empty);
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toContain("missing");
    expect((await formula("1.2.3")).exitCode).toBe(2);
  });
});
