// Compiles src/main.ts into one standalone executable, dist/prj.
//
//   bun scripts/build.ts                                   # this machine -> dist/prj
//   bun scripts/build.ts --target bun-darwin-arm64 --outfile dist/prj-darwin-arm64
//   bun scripts/build.ts --no-bytecode                     # skip the bytecode cache
//   bun scripts/build.ts --count-chunks --outfile X        # a build that lists the chunks it loads
//
// The executable must not read `.env` or `bunfig.toml` from the directory it
// runs in (the user's repository), so that autoloading is turned off.
import { mkdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(import.meta.dir, "..");

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    target: { type: "string" },
    outfile: { type: "string" },
    entry: { type: "string" },
    "no-bytecode": { type: "boolean", default: false },
    "count-chunks": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (values.help) {
  console.log("usage: bun scripts/build.ts [--target bun-<os>-<arch>[-baseline|-musl]] [--outfile PATH] [--entry PATH] [--no-bytecode] [--count-chunks]");
  process.exit(0);
}

const target = values.target as Bun.Build.CompileTarget | undefined;
if (target !== undefined && !target.startsWith("bun-")) {
  console.error(`error: --target must look like bun-linux-x64-baseline or bun-darwin-arm64, got "${target}"`);
  process.exit(2);
}
// Paths given on the command line are relative to the current directory.
const entry = values.entry === undefined ? join(root, "src/main.ts") : resolve(values.entry);
const outfile = values.outfile === undefined ? join(root, "dist/prj") : resolve(values.outfile);
const pkg = (await Bun.file(join(root, "package.json")).json()) as { version: string };
// What the code of this build is: caches of derived data (validated config)
// written by another build are ignored. Same sources and lockfile, same id.
const buildId = await sourceHash();
mkdirSync(dirname(outfile), { recursive: true });

/**
 * Modules bundled as one chunk each. Splitting makes a chunk of every set of
 * modules that the same lazy imports reach, so `prj run` loaded 39 small
 * chunks (errors.ts alone, log.ts alone, ...), each a module record to link.
 * A group is reached through one module that re-exports its members, so its
 * members land in one chunk; imports inside a group stay direct. A member may
 * import node builtins, its own group and the groups before it, never a later
 * one, so no group waits for another that waits for it; the build checks that
 * members do not export the same name twice. version.ts stays alone: it is
 * all that `prj --version` loads.
 */
const MODULE_GROUPS: Record<string, readonly string[]> = {
  // Used by nearly every command: errors, logging, output, paths, config files and the cached settings.
  core: [
    "src/errors.ts", "src/ui/log.ts", "src/ui/output.ts", "src/commands/entry.ts", "src/commands/define.ts",
    "src/paths.ts", "src/config/files.ts", "src/config/defaults.ts", "src/config/merge.ts", "src/config/cache.ts",
    "src/project.ts", "src/exec/runner.ts", "src/exec/deadline.ts", "src/naming.ts", "src/state/durations.ts",
    "src/ui/session-log.ts", "src/sessions/liveness.ts", "src/steps/builtins.ts", "src/plan/redact.ts", "src/git/refs.ts",
  ],
  // Talking to tmux.
  tmux: ["src/tmux/quote.ts", "src/tmux/script.ts", "src/tmux/parse.ts", "src/tmux/manager.ts", "src/tmux/layout.ts", "src/tmux/layout-support.ts"],
  // Building a run's plan: `prj run`, its dry run, and the commands that plan worktrees.
  plan: [
    "src/template/render.ts", "src/template/shell-commands.ts", "src/template/shell-placement.ts", "src/template/shell-values.ts",
    "src/tmux/window-name.ts", "src/plan/build.ts", "src/plan/operations.ts", "src/plan/format.ts", "src/plan/record.ts",
    "src/git/worktree.ts", "src/worktrees/ports.ts", "src/worktrees/registry.ts", "src/config/shell.ts",
    "src/run/prepare.ts", "src/run/run-command.ts",
  ],
  // The state database: db.ts, and state/sqlite.ts, which the port registry imports too. (Modules
  // only a group's members import need no listing: they land in the group's chunk anyway.)
  state: ["src/state/sqlite.ts", "src/state/db.ts"],
  // Executing a run.
  execute: ["src/run/execute.ts", "src/run/undo.ts", "src/steps/runner.ts", "src/sessions/lifecycle.ts", "src/sessions/terminate.ts"],
};

function moduleGroups(groups: Record<string, readonly string[]>): Bun.BunPlugin {
  const groupOf = new Map<string, string>();
  for (const [name, members] of Object.entries(groups)) for (const member of members) groupOf.set(join(root, member), name);
  return {
    name: "module-groups",
    setup(builder) {
      builder.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.namespace === "module-group") return undefined;
        const group = groupOf.get(resolve(dirname(args.importer), args.path));
        // A lazy import goes through the group even from inside it: a member that is the target of
        // its own import() would become a chunk of its own.
        if (group === undefined || (groupOf.get(args.importer) === group && args.kind !== "dynamic-import")) return undefined;
        return { path: group, namespace: "module-group" };
      });
      builder.onLoad({ filter: /.*/, namespace: "module-group" }, (args) => ({
        contents: groups[args.path]!.map((member) => `export * from ${JSON.stringify(join(root, member))};`).join("\n"),
        loader: "ts",
      }));
    },
  };
}

/** A name exported by two members of a group would be dropped by `export *`: refuse the build instead. */
async function checkModuleGroups(groups: Record<string, readonly string[]>): Promise<void> {
  const transpiler = new Bun.Transpiler({ loader: "ts" });
  for (const [name, members] of Object.entries(groups)) {
    const exporter = new Map<string, string>();
    for (const member of members) {
      for (const exported of transpiler.scan(await Bun.file(join(root, member)).text()).exports) {
        const other = exporter.get(exported);
        if (exported === "default" || other !== undefined) {
          console.error(`error: module group ${name}: ${member} exports ${exported}${other ? `, as does ${other}` : ""}; rename it or move one of them out of the group`);
          process.exit(1);
        }
        exporter.set(exported, member);
      }
    }
  }
}

/**
 * For the tests and the benchmark only (SPEC §11 counts the module chunks a
 * run loads): every chunk starts by noting its name, and at exit the list goes
 * to the file named by PRJ_CHUNK_LOG. The chunks are the same as without it.
 */
const CHUNK_COUNTER =
  "if(globalThis.__prjChunks===undefined){globalThis.__prjChunks=[];const fs=import.meta.require(\"node:fs\");" +
  "process.on(\"exit\",()=>{const f=process.env.PRJ_CHUNK_LOG;if(f)fs.writeFileSync(f,globalThis.__prjChunks.join(\"\\n\")+\"\\n\")})}" +
  "globalThis.__prjChunks.push(import.meta.url.split(\"/\").pop());";

async function build(bytecode: boolean): Promise<Bun.BuildOutput> {
  return Bun.build({
    entrypoints: [entry],
    target: "bun",
    // ESM so top-level await works; bytecode defaults to CommonJS otherwise.
    format: "esm",
    // Identifiers stay unmangled: error classes use `new.target.name`, and in
    // Bun 1.4.5 `keepNames` does not stop the mangling. It costs ~0 start-up time.
    minify: { whitespace: true, syntax: true, identifiers: false },
    bytecode,
    // Each lazily imported module (a command, yaml, TypeBox, citty, bun:sqlite
    // users) becomes its own chunk inside the executable, parsed and loaded only
    // when imported: `prj --version` then loads one tiny chunk instead of the
    // whole bundle's bytecode.
    splitting: true,
    plugins: [moduleGroups(MODULE_GROUPS)],
    ...(values["count-chunks"] ? { banner: CHUNK_COUNTER } : {}),
    define: { PRJ_VERSION: JSON.stringify(pkg.version), PRJ_BUILD_ID: JSON.stringify(buildId) },
    compile: {
      outfile,
      ...(target === undefined ? {} : { target }),
      autoloadDotenv: false,
      autoloadBunfig: false,
      autoloadTsconfig: false,
      autoloadPackageJson: false,
    },
    throw: false,
  });
}

/** A hash of every source file, package.json and bun.lock, in a stable order. */
async function sourceHash(): Promise<string> {
  const files = [...new Bun.Glob("src/**/*").scanSync({ cwd: root, onlyFiles: true }), "package.json", "bun.lock"].sort();
  const hasher = new Bun.CryptoHasher("sha256");
  for (const file of files) {
    hasher.update(`${file}\0`);
    hasher.update(await Bun.file(join(root, file)).arrayBuffer());
  }
  return `${pkg.version}-${hasher.digest("hex").slice(0, 16)}`;
}

const started = performance.now();
await checkModuleGroups(MODULE_GROUPS);
let bytecode = !values["no-bytecode"];
let result = await build(bytecode);
if (!result.success && bytecode) {
  // Bytecode has limits of its own; if the plain build works, ship that and say why.
  const plain = await build(false);
  if (plain.success) {
    console.warn("warning: the build with bytecode failed, so dist/prj has none (slower start-up):");
    for (const log of result.logs) console.warn(`  ${log}`);
    bytecode = false;
    result = plain;
  }
}
if (!result.success) {
  console.error("error: build failed");
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
for (const log of result.logs) console.warn(log);

const size = statSync(outfile).size;
const ms = Math.round(performance.now() - started);
console.log(
  `built ${relative(process.cwd(), outfile) || outfile} (prj ${pkg.version}, ${target ?? "this machine"}, ` +
    `${bytecode ? "bytecode" : "no bytecode"}, ${(size / 1024 / 1024).toFixed(1)} MiB) in ${ms} ms`,
);
