// Entry point. `--version` is answered before anything else is imported so the
// commonest probe of a CLI costs no more than the runtime's own start-up. It
// prints with console.log, Bun's native writer: the first touch of
// `process.stdout` builds Node's stream stack, ~10 ms in the compiled binary.
import { VERSION } from "./version.ts";

const argv = process.argv.slice(2);

if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  console.log(VERSION);
} else {
  await main(argv);
}

async function main(args: string[]): Promise<void> {
  const { runCli } = await import("./cli.ts");
  try {
    await runCli(args);
  } catch (error) {
    const { formatError, exitCodeOf, PrjError } = await import("./errors.ts");
    const { logs, writeStderr } = await import("./ui/log.ts");
    // Not process.stderr, whose stream costs ~10 ms to build (see ui/log.ts).
    writeStderr(`${formatError(error, logs("debug"))}\n`);
    const exitCode = exitCodeOf(error);
    process.exitCode = exitCode;
    // sessions.log is a record of what happened to sessions and runs: a failure while doing the work
    // goes there (once), but invalid input (exit 2) and Ctrl-C changed nothing and are not events.
    if (exitCode === 1 && !(error instanceof PrjError && error.logged)) {
      const { sessionLog } = await import("./ui/session-log.ts");
      sessionLog("error", { command: args[0], exit_code: exitCode, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
