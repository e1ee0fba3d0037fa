// Entry point. `--version` is answered before anything else is imported so the
// commonest probe of a CLI costs no more than the runtime's own start-up.
import { VERSION } from "./version.ts";

const argv = process.argv.slice(2);

if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  process.stdout.write(`${VERSION}\n`);
} else {
  await main(argv);
}

async function main(args: string[]): Promise<void> {
  const { runCli } = await import("./cli.ts");
  try {
    await runCli(args);
  } catch (error) {
    const { formatError, exitCodeOf } = await import("./errors.ts");
    const { logs } = await import("./ui/log.ts");
    process.stderr.write(`${formatError(error, logs("debug"))}\n`);
    process.exitCode = exitCodeOf(error);
  }
}
