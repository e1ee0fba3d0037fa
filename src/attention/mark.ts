/**
 * `prj mark STATE [--message M]`: a program in a pane (an agent's hook, a
 * script) declares its state. The declaration is three pane options, set with
 * one tmux client on the pane's own server; the watcher takes it as evidence
 * with priority while it is fresh (classify.ts). No project, config or
 * database is read: hooks call this often and it must stay cheap.
 */
import { TmuxError, UsageError } from "../errors.ts";
import { TmuxManager } from "../tmux/manager.ts";
import { DECLARED_AT_OPTION, DECLARED_MESSAGE_OPTION, DECLARED_STATE_OPTION } from "./panes.ts";
import { DECLARABLE_STATES, type AttentionState } from "./states.ts";
import { serverOfTmuxVariable } from "./tmux-env.ts";
import { NONE_FOR_PRJ_SESSIONS, watcherStartCommands } from "./launch.ts";
import { tmuxCommandLine } from "../tmux/quote.ts";

/** A message is one line of at most this many characters. */
const MESSAGE_MAX = 300;

export function parseDeclaredState(raw: unknown): AttentionState {
  const text = typeof raw === "string" ? raw.trim().toLowerCase() : "";
  if ((DECLARABLE_STATES as readonly string[]).includes(text)) return text as AttentionState;
  throw new UsageError(
    `prj mark: the state must be one of ${DECLARABLE_STATES.join(", ")}, got ${raw === undefined || raw === "" ? "nothing" : JSON.stringify(String(raw))}`,
    "for example `prj mark waiting --message \"approve the migration?\"`",
  );
}

/** One line, no control characters, at most MESSAGE_MAX characters. */
export function cleanMessage(message: string | undefined): string {
  const flat = (message ?? "").replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/\s+/g, " ").trim();
  return flat.length > MESSAGE_MAX ? `${flat.slice(0, MESSAGE_MAX - 1)}…` : flat;
}

export async function markPane(
  state: AttentionState,
  message: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  now = Date.now(),
): Promise<{ pane: string; state: AttentionState; message: string; at: string }> {
  const pane = env.TMUX_PANE;
  const server = serverOfTmuxVariable(env.TMUX);
  if (!pane || !/^%\d+$/.test(pane) || !server) {
    throw new UsageError("prj mark runs inside a tmux pane ($TMUX and $TMUX_PANE are not set)", "call it from the program or hook that runs in the pane; see docs/agents.md");
  }
  const tmux = new TmuxManager({ socket: server.socket });
  const set = (option: string, value: string) => ["set-option", "-p", "-t", pane, option, value];
  // The watcher is started too when this server has prj sessions and none runs: one command list, one client.
  const start = watcherStartCommands(NONE_FOR_PRJ_SESSIONS);
  const text = cleanMessage(message);
  const commands = [set(DECLARED_STATE_OPTION, state), set(DECLARED_MESSAGE_OPTION, text), set(DECLARED_AT_OPTION, String(now)), ...start];
  const result = await tmux.run(["source-file", "-"], { stdin: `${commands.map(tmuxCommandLine).join(" ; ")}\n` });
  if (result.exitCode !== 0) throw new TmuxError("set-option", result.stderr, { hint: `is ${pane} still a pane of the server at ${server.socket}?` });
  return { pane, state, message: text, at: new Date(now).toISOString() };
}
