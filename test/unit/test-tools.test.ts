// In CI on Debian or Ubuntu, scripts/test installs every tool the tests use;
// a missing one must fail the run, not turn tests into quiet skips.
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { have, TEST_TOOLS, type TestTool } from "../helpers/tools.ts";

const ciOnDebian = Boolean(process.env.CI) && existsSync("/etc/debian_version");

describe("tools the tests need", () => {
  for (const [tool, why] of Object.entries(TEST_TOOLS) as [TestTool, string][]) {
    test.skipIf(!ciOnDebian)(`${tool} is installed in CI on Debian (${why})`, () => {
      expect({ tool, installed: have(tool) }).toEqual({ tool, installed: true });
    });
  }
});
