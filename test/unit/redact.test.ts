// Redaction: secrets by key, secrets inside other values, and secrets in streamed output.
import { describe, expect, test } from "bun:test";
import { inheritedSecrets, redactEnvironment, redactSessionSpec, StreamRedactor } from "../../src/plan/redact.ts";
import type { SessionSpec } from "../../src/plan/types.ts";

describe("redactEnvironment", () => {
  test("sensitive keys are ***, and a secret value is masked inside the others", () => {
    const environment = { API_TOKEN: "t0k3n-x", DATABASE_URL: "postgres://app:hunter22@db/app", PLAIN: "visible", LISTED: "l1st3d" };
    expect(redactEnvironment(environment, ["LISTED"], ["hunter22"])).toEqual({
      API_TOKEN: "***",
      DATABASE_URL: "postgres://app:***@db/app",
      PLAIN: "visible",
      LISTED: "***",
    });
  });
});

describe("redactSessionSpec", () => {
  test("every text of a session is scrubbed: directories, names, commands and the values panes refer to", () => {
    const spec: SessionSpec = {
      name: "s-hunter22",
      workingDirectory: "/srv/hunter22",
      environment: { URL: "x:hunter22" },
      identity: { project: "/p", worktree: "hunter22", task: "dev", command: "c" },
      shell: "/bin/sh",
      windows: [
        {
          name: "w-hunter22",
          workingDirectory: "/srv/hunter22",
          environment: {},
          focus: true,
          panes: [{ command: "echo hunter22", workingDirectory: "/srv/hunter22/x", environment: {}, focus: false, shellValues: { PRJ_V_pw: "hunter22", PRJ_V_n: "1" } }],
        },
      ],
    };
    const shown = JSON.stringify(redactSessionSpec(spec, [], ["hunter22"]));
    expect(shown).not.toContain("hunter22");
    expect(shown).toContain('"PRJ_V_n":"1"');
  });
});

describe("inheritedSecrets", () => {
  test("values of sensitive names, or listed ones, of 6 characters or more", () => {
    const environment = { GITHUB_TOKEN: "ghp_0123456789", HAS_TOKEN: "true", TOKEN_TTL: "3600", DSN: "postgres://x", PATH: "/bin" };
    expect(inheritedSecrets(environment, ["DSN"])).toEqual(["ghp_0123456789", "postgres://x"]);
  });
});

describe("StreamRedactor", () => {
  const secret = "s3cr3t-value";

  test.each([1, 2, 3, 5, 7, 11])("a secret split into pieces of %i characters is still masked", (size) => {
    const text = `before ${secret} middle ${secret}${secret} after s3cr3t`;
    const redactor = new StreamRedactor([secret]);
    let out = "";
    for (let i = 0; i < text.length; i += size) out += redactor.push(text.slice(i, i + size));
    out += redactor.end();
    expect(out).toBe("before *** middle ****** after s3cr3t");
  });

  test("text that cannot start a secret is let through at once", () => {
    const redactor = new StreamRedactor([secret]);
    expect(redactor.push("line one\nline s3c")).toBe("line one\nline ");
    expect(redactor.push("r3t-value done\n")).toBe("*** done\n");
  });

  test("the longer of two overlapping secrets is masked whole; short values are left alone", () => {
    const redactor = new StreamRedactor(["abc", "abcdef", "xy"]);
    expect(redactor.push("abcdef abc xy") + redactor.end()).toBe("*** *** xy");
  });

  test("the caller's own redaction runs on what is let through", () => {
    const redactor = new StreamRedactor([], (text) => text.replaceAll("plan-secret", "***"));
    expect(redactor.push("a plan-secret b") + redactor.end()).toBe("a *** b");
  });
});
