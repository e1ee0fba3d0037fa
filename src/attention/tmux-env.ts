/** The tmux server a process runs under, from `$TMUX` (`socket,server pid,session`), which tmux sets for panes and jobs. */
export function serverOfTmuxVariable(value: string | undefined): { socket: string; pid: number } | undefined {
  const match = /^(.*),(\d+),[^,]*$/.exec(value ?? "");
  if (!match || !match[1]) return undefined;
  return { socket: match[1], pid: Number(match[2]) };
}
