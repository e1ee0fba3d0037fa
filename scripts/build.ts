// Compiles src/main.ts into one standalone executable, dist/prj.
//
//   bun scripts/build.ts                                   # this machine -> dist/prj
//   bun scripts/build.ts --target bun-darwin-arm64 --outfile dist/prj-darwin-arm64
//   bun scripts/build.ts --no-bytecode                     # skip the bytecode cache
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
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (values.help) {
  console.log("usage: bun scripts/build.ts [--target bun-<os>-<arch>[-baseline|-musl]] [--outfile PATH] [--entry PATH] [--no-bytecode]");
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
