import { defineCommand } from "./define.ts";

/** `prj __watch`: the per-server attention watcher, started by tmux (docs/attention.md). */
export default defineCommand({
  meta: { name: "__watch", description: "The attention watcher of a tmux server (started by tmux)" },
  async run() {
    const { watchServer } = await import("../attention/watcher.ts");
    await watchServer();
  },
});
