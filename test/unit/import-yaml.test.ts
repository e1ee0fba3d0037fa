// The peers' YAML 1.1 loaders against prj's port of them: every generated
// plain scalar must load as the same kind of value, with the same text, in
// prj as in Ruby's Psych (tmuxinator) and Python's PyYAML (tmuxp). The
// loaders themselves are asked: the interpreters tmuxinator and tmuxp run on.
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readPeerDocument } from "../../src/import/write.ts";
import { PeerFloat, PeerObject } from "../../src/import/yaml11.ts";
import { have } from "../helpers/tools.ts";
import { tempDir } from "../helpers/world.ts";

/** [kind, text]: the same shape from all three loaders. */
type Loaded = [string, string?];

/** The scalars the issue names, the YAML 1.1 corner cases, then random strings over the characters that matter. */
function scalars(): string[] {
  const fixed = [
    ".", "..", "-.", "+.", ".5x", ".5", "-.5", "1.", "1.5", "0.10", "2.0", "1e3", "1.0e+3", "1.e+3", "4e5", ".inf", "-.Inf", ".NaN",
    "yes", "no", "on", "off", "y", "n", "Yes", "OFF", "True", "nil", "null", "~", "NULL", "0", "007", "08", "0x1F", "0o17", "0b101",
    "1_000", "1,000", "1__0", "_1", "1:30", "0:30", "12:30:45", "1:30.5", "2024-01-01", "2024-1-1", "2024-02-31", "2024-01-01 10:00:00",
    "v1.2", "1.2.3", ":sym", "222_333", "111222333444555666777", "-0", "+12", "editor", "🍩", "a b", "~/code", "./x", "../y",
  ];
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const alphabet = ["0", "1", "5", "7", "8", "9", ".", "-", "+", "_", ",", ":", "e", "E", "x", "b", "o", "y", "n", "f", "a", "i", "N", "~"];
  const generated = new Set<string>();
  while (generated.size < 1500) {
    const length = 1 + Math.floor(random() * 5);
    let text = "";
    for (let index = 0; index < length; index++) text += alphabet[Math.floor(random() * alphabet.length)];
    generated.add(text);
  }
  return [...new Set([...fixed, ...generated])];
}

const RUBY = `
require "yaml"; require "json"
out = JSON.parse(STDIN.read).map do |s|
  begin
    v = YAML.safe_load("k: #{s}\\n", aliases: true)["k"]
    case v
    when String then ["str", v]
    when Integer then ["int", v.to_s]
    when Float then ["float", v.to_s]
    when true, false then ["bool", v.to_s]
    when nil then ["null"]
    else ["other", v.class.to_s]
    end
  rescue Psych::DisallowedClass => e
    ["refused", e.message[/class: (\\w+)/, 1]]
  rescue StandardError, Psych::SyntaxError
    ["error"]
  end
end
puts JSON.generate(out)
`;

const PYTHON = `
import sys, json, yaml, datetime
out = []
for s in json.load(sys.stdin):
    try:
        v = yaml.load("k: %s\\n" % s, Loader=yaml.SafeLoader)["k"]
        if isinstance(v, bool): out.append(["bool", "true" if v else "false"])
        elif isinstance(v, int): out.append(["int", str(v)])
        elif isinstance(v, float): out.append(["float", repr(v)])
        elif isinstance(v, str): out.append(["str", v])
        elif v is None: out.append(["null"])
        elif isinstance(v, datetime.datetime): out.append(["object", "Time"])
        elif isinstance(v, datetime.date): out.append(["object", "Date"])
        else: out.append(["other", type(v).__name__])
    except Exception:
        out.append(["error"])
print(json.dumps(out))
`;

function loadWithPrj(tool: "tmuxinator" | "tmuxp", texts: string[]): Loaded[] {
  const dir = tempDir("yaml11-");
  return texts.map((text, index) => {
    const file = join(dir, `${index}.yml`);
    writeFileSync(file, `k: ${text}\n`);
    try {
      const value = (readPeerDocument(file, "f", tool).data as Record<string, unknown>).k;
      if (value instanceof PeerObject) return tool === "tmuxinator" ? ["refused", value.kind] : ["object", value.kind];
      if (value instanceof PeerFloat) return ["float", value.text];
      if (typeof value === "string") return ["str", value];
      if (typeof value === "number" || typeof value === "bigint") return ["int", String(value)];
      if (typeof value === "boolean") return ["bool", String(value)];
      if (value === null || value === undefined) return ["null"];
      return ["other", typeof value];
    } catch {
      return ["error"];
    }
  });
}

function interpreterOf(program: string): string | undefined {
  const path = Bun.which(program);
  if (!path) return undefined;
  const first = readFileSync(path, "utf8").split("\n", 1)[0] ?? "";
  return first.startsWith("#!") ? first.slice(2).trim().split(/\s+/)[0] : undefined;
}

function askPeer(argv: string[], script: string, texts: string[]): Loaded[] {
  const result = Bun.spawnSync([...argv, script], { stdin: new TextEncoder().encode(JSON.stringify(texts)), stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${argv[0]} failed: ${result.stderr.toString()}`);
  return JSON.parse(result.stdout.toString()) as Loaded[];
}

/** The rows where prj and the peer disagree, as readable lines. */
function disagreements(texts: string[], peer: Loaded[], prj: Loaded[]): string[] {
  return texts.flatMap((text, index) => {
    const want = peer[index]!;
    // A digit string past 2^53 comes back from prj as text, which is how it is used (names).
    const got = prj[index]![0] === "str" && want[0] === "int" && prj[index]![1] === want[1] ? want : prj[index]!;
    return JSON.stringify(want) === JSON.stringify(got) ? [] : [`${JSON.stringify(text)}: peer ${JSON.stringify(want)}, prj ${JSON.stringify(got)}`];
  });
}

const texts = scalars();
const rubyFound = have("tmuxinator") && Bun.which("ruby") !== null;
const tmuxpPython = have("tmuxp") ? interpreterOf("tmuxp") : undefined;

describe("plain scalars load as the peers load them", () => {
  test.skipIf(!rubyFound)("tmuxinator: Ruby's Psych (skipped without tmuxinator and ruby)", () => {
    const peer = askPeer(["ruby", "-e"], RUBY, texts);
    expect(disagreements(texts, peer, loadWithPrj("tmuxinator", texts))).toEqual([]);
  });

  test.skipIf(tmuxpPython === undefined)("tmuxp: PyYAML under tmuxp's own Python (skipped without tmuxp)", () => {
    const peer = askPeer([tmuxpPython!, "-c"], PYTHON, texts);
    expect(disagreements(texts, peer, loadWithPrj("tmuxp", texts))).toEqual([]);
  });

  test("the values the issue names stay strings for both peers", () => {
    for (const tool of ["tmuxinator", "tmuxp"] as const) {
      const loaded = loadWithPrj(tool, [".", "..", "-.", ".5x", "y", "n", "08"]);
      expect(loaded.map(([kind]) => kind)).toEqual(["str", "str", "str", "str", "str", "str", "str"]);
    }
  });
});
