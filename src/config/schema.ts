/**
 * TypeBox schemas for every YAML file prj reads (SPEC §3), their static types,
 * and the built-in defaults that sit under every other layer.
 *
 * Every object schema sets `additionalProperties: false`: a misspelt key is an
 * error with a suggestion, never something silently ignored.
 *
 * Nothing here carries a schema `default`. Defaults are applied by layering
 * (built-in < global < project < command < CLI), and a default baked into the
 * project schema would wrongly override a value set in the global config.
 *
 * Two custom schema keywords drive the error messages in load.ts, so the
 * wording lives next to the rule it explains:
 * - `patternMessage`: the problem for a value that fails `pattern`; `{value}`
 *   is replaced by the offending value in JSON quotes.
 * - `expected`: what a union or mapping accepts, for "expected X, got Y" when
 *   the value is of another kind (fits none of a union's variants).
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { NAME_PATTERN } from "./defaults.ts";

const closed = { additionalProperties: false } as const;

/** Command and step names (see defaults.ts, where the pattern lives for TypeBox-free callers). */
export { NAME_PATTERN };
const NAME_RULE = "may contain only letters, digits, '.', '_' and '-'";

/** POSIX environment variable names; anything else cannot be exported by a shell. */
export const ENV_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";

/**
 * `"45s"`, `"30m"`, `"2h"`, `"1d"`; a bare string number means seconds too.
 * Zero is refused (it would make every session stale at once), and the digit
 * limit keeps the result a safe integer.
 */
export const DURATION_PATTERN = "^0*[1-9][0-9]{0,8}[smhd]?$";

const Name = (what: string) =>
  Type.String({ pattern: NAME_PATTERN, patternMessage: `${what} {value} ${NAME_RULE}` });

/** A relative path that stays inside the directory it is relative to. */
const RelativePath = Type.String({
  minLength: 1,
  pattern: "^(?!/)(?!(.*/)?\\.\\.(/|$))",
  patternMessage: "{value} must be a relative path that stays inside the worktree (no leading '/' and no '..')",
});

/** Environment values may be written as numbers or booleans; they are exported as strings. */
export const EnvValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()], {
  expected: "a string, a number or a boolean",
});
export type EnvValue = Static<typeof EnvValue>;

export const EnvMap = Type.Record(Type.RegExp(new RegExp(ENV_NAME_PATTERN)), EnvValue, {
  ...closed,
  keyMessage: "is not a valid environment variable name (letters, digits and '_', not starting with a digit)",
});
export type EnvMap = Static<typeof EnvMap>;

/** A duration: whole seconds as a number, or a string such as "90s", "30m", "2h", "1d". */
export const Duration = Type.Union(
  [
    Type.String({
      pattern: DURATION_PATTERN,
      patternMessage: 'invalid duration {value}; use a number of seconds or a number followed by s, m, h or d, like "30m"',
    }),
    Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  ],
  { expected: 'a duration (seconds, or a string like "90s", "30m", "2h", "1d")' },
);
export type Duration = Static<typeof Duration>;

/** A tmux window name: no control characters, which tmux 3.7 rejects and older servers show as escapes. */
const WindowName = Type.String({
  minLength: 1,
  pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
  patternMessage: "window name {value} contains a control character (a tab, a newline, …); window names are plain text on one line",
});

/** A window's own name may also be empty: a window named "" (as tmuxp's `window_name: ''`), which tmux then never renames. */
const OwnWindowName = Type.String({
  pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f]*$",
  patternMessage: "window name {value} contains a control character (a tab, a newline, …); window names are plain text on one line",
});

const StringOrList = Type.Union([Type.String(), Type.Array(Type.String())], {
  expected: "a string or a list of strings",
});

// ---------------------------------------------------------------- global

const DefaultsBlock = Type.Object(
  {
    shell: Type.Optional(Type.String({ minLength: 1 })),
    tmux_session_prefix: Type.Optional(Type.String()),
  },
  closed,
);

const TmuxBlock = Type.Object(
  {
    auto_attach: Type.Optional(Type.Boolean()),
    session_timeout: Type.Optional(Duration),
    default_window_name: Type.Optional(WindowName),
    // `tmux -L NAME` makes a file of this name under TMUX_TMPDIR, so no path separators.
    socket_name: Type.Optional(Name("socket name")),
  },
  closed,
);

/** `$XDG_CONFIG_HOME/prunejuice/config.yaml`. */
export const GlobalConfig = Type.Object(
  {
    defaults: Type.Optional(DefaultsBlock),
    tmux: Type.Optional(TmuxBlock),
  },
  closed,
);
export type GlobalConfig = Static<typeof GlobalConfig>;

// ---------------------------------------------------------------- project

/**
 * `.prj/configs/project.yaml`.
 *
 * It may also carry `defaults:` and `tmux:` blocks shaped exactly like the
 * global ones. They sit one layer above the global config, so a project can
 * pin, say, its own `session_timeout` or `default_window_name` for the whole
 * team while each developer keeps personal settings globally.
 */
export const ProjectConfig = Type.Object(
  {
    project: Type.Optional(Type.Object({ name: Type.Optional(Type.String({ minLength: 1 })) }, closed)),
    sessions: Type.Optional(
      Type.Object(
        {
          tmux_config: Type.Optional(Type.String({ minLength: 1 })),
          default_task: Type.Optional(Type.String({ minLength: 1 })),
          naming_pattern: Type.Optional(Type.String({ minLength: 1 })),
          auto_cleanup: Type.Optional(Type.Boolean()),
          session_timeout: Type.Optional(Duration),
        },
        closed,
      ),
    ),
    worktrees: Type.Optional(
      Type.Object(
        {
          base_path: Type.Optional(Type.String({ minLength: 1 })),
          copy_files: Type.Optional(Type.Array(RelativePath)),
          port_base: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
        },
        closed,
      ),
    ),
    environments: Type.Optional(Type.Record(Type.String(), EnvMap)),
    defaults: Type.Optional(DefaultsBlock),
    tmux: Type.Optional(TmuxBlock),
  },
  closed,
);
export type ProjectConfig = Static<typeof ProjectConfig>;

// ---------------------------------------------------------------- command

/** A step: a name (built-in or `.prj/steps/NAME`) or an inline shell snippet. */
export const Step = Type.Union(
  [
    Name("step name"),
    Type.Object(
      {
        // Inline step names end up in artifact file names, hence the same rule.
        name: Type.Optional(Name("step name")),
        run: Type.String({ minLength: 1 }),
        timeout: Type.Optional(Duration),
        working_directory: Type.Optional(Type.String({ minLength: 1 })),
        // A failing step with this logs a warning and the run goes on (tmuxinator's hooks behave so).
        continue_on_error: Type.Optional(Type.Boolean()),
      },
      closed,
    ),
  ],
  { expected: "a step name or a mapping with `run:`" },
);
export type Step = Static<typeof Step>;

const StepList = Type.Array(Step);

export const Pane = Type.Union(
  [
    Type.String(),
    Type.Object(
      {
        command: Type.Optional(StringOrList),
        working_directory: Type.Optional(Type.String({ minLength: 1 })),
        environment: Type.Optional(EnvMap),
        focus: Type.Optional(Type.Boolean()),
      },
      closed,
    ),
  ],
  { expected: "a command string or a mapping with command, working_directory, environment or focus" },
);
export type Pane = Static<typeof Pane>;

/** A tmux window. Always a mapping, so there is one shape to document. */
export const Window = Type.Object(
  {
    name: Type.Optional(OwnWindowName),
    command: Type.Optional(StringOrList),
    working_directory: Type.Optional(Type.String({ minLength: 1 })),
    environment: Type.Optional(EnvMap),
    layout: Type.Optional(Type.String({ minLength: 1 })),
    panes: Type.Optional(Type.Array(Pane)),
    focus: Type.Optional(Type.Boolean()),
  },
  { ...closed, expected: 'a window mapping such as { name: editor, command: "vim ." }' },
);
export type Window = Static<typeof Window>;

export const Argument = Type.Object(
  {
    // Arguments become template variables and PRJ_ARG_<NAME>, so they must be identifiers.
    name: Type.String({
      pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
      patternMessage: "argument name {value} may contain only letters, digits and '_', and may not start with a digit",
    }),
    required: Type.Optional(Type.Boolean()),
    default: Type.Optional(EnvValue),
    description: Type.Optional(Type.String()),
  },
  { ...closed, expected: "an argument mapping such as { name: branch, required: true }" },
);
export type Argument = Static<typeof Argument>;

export const WorktreeBlock = Type.Object(
  {
    branch: Type.String({ minLength: 1 }),
    base_branch: Type.Optional(Type.String({ minLength: 1 })),
    path: Type.Optional(Type.String({ minLength: 1 })),
    copy_files: Type.Optional(Type.Array(RelativePath)),
  },
  closed,
);
export type WorktreeBlock = Static<typeof WorktreeBlock>;

/**
 * `session.on_state`: steps run when a pane of the session enters a state
 * (docs/attention.md), by the attention watcher, with PRJ_PANE, PRJ_STATE and
 * PRJ_STATE_MESSAGE in their environment.
 */
export const OnStateBlock = Type.Object(
  {
    waiting: Type.Optional(StepList),
    failed: Type.Optional(StepList),
    done: Type.Optional(StepList),
    working: Type.Optional(StepList),
    idle: Type.Optional(StepList),
    dead: Type.Optional(StepList),
  },
  { ...closed, expected: "a mapping of states (waiting, failed, done, working, idle, dead) to step lists" },
);
export type OnStateBlock = Static<typeof OnStateBlock>;

export const SessionBlock = Type.Object(
  {
    name_template: Type.Optional(Type.String({ minLength: 1 })),
    task: Type.Optional(Type.String({ minLength: 1 })),
    working_directory: Type.Optional(Type.String({ minLength: 1 })),
    auto_attach: Type.Optional(Type.Boolean()),
    /** The name of a project environment (templated), not a map. */
    environment: Type.Optional(Type.String({ minLength: 1 })),
    inherit_project_env: Type.Optional(Type.Boolean()),
    additional_env: Type.Optional(EnvMap),
    windows: Type.Optional(Type.Array(Window)),
    pre_create_steps: Type.Optional(StepList),
    post_create_steps: Type.Optional(StepList),
    cleanup_steps: Type.Optional(StepList),
    on_state: Type.Optional(OnStateBlock),
  },
  closed,
);
export type SessionBlock = Static<typeof SessionBlock>;

/** `.prj/commands/NAME.yaml`: exactly the fields of SPEC §3 "Command YAML". */
export const CommandConfig = Type.Object(
  {
    name: Name("command name"),
    description: Type.Optional(Type.String()),
    arguments: Type.Optional(Type.Array(Argument)),
    environment: Type.Optional(EnvMap),
    secret_env: Type.Optional(
      Type.Array(
        Type.String({
          pattern: ENV_NAME_PATTERN,
          patternMessage: "{value} is not a valid environment variable name",
        }),
      ),
    ),
    worktree: Type.Optional(WorktreeBlock),
    session: Type.Optional(SessionBlock),
    pre_steps: Type.Optional(StepList),
    steps: Type.Optional(StepList),
    post_steps: Type.Optional(StepList),
    cleanup_on_failure: Type.Optional(StepList),
    timeout: Type.Optional(Duration),
  },
  closed,
);
export type CommandConfig = Static<typeof CommandConfig>;

/** Every schema a config file is validated against, for JSON Schema export. */
export const CONFIG_SCHEMAS: Record<string, TSchema> = { GlobalConfig, ProjectConfig, CommandConfig };

// ---------------------------------------------------------------- defaults

// The built-in defaults and parseDuration live in defaults.ts, which does not
// load TypeBox: the run path needs them even when the config cache spares it
// the schemas.

/**
 * Global and project settings after layering, every field filled. Keys mirror
 * the YAML so templates and messages can name them the same way
 * (`worktrees.base_path`). Durations are already converted to seconds.
 */
export interface Settings {
  defaults: {
    shell: string;
    /** True when a config file sets `shell` (not merely $SHELL): plain panes then start it too. */
    shell_configured: boolean;
    /** Empty string means "no prefix". */
    tmux_session_prefix: string;
  };
  tmux: {
    auto_attach: boolean;
    /**
     * The one effective idle limit. The project may set it as
     * `sessions.session_timeout` or `tmux.session_timeout` (not both);
     * either wins over the global `tmux.session_timeout`.
     */
    session_timeout_seconds: number;
    default_window_name: string;
    /** Undefined means tmux's default server. */
    socket_name: string | undefined;
  };
  project: {
    name: string;
  };
  sessions: {
    /** Undefined means no tmux config is sourced into new sessions. */
    tmux_config: string | undefined;
    default_task: string;
    naming_pattern: string;
    /** Default false: removing sessions is something a project opts into. */
    auto_cleanup: boolean;
  };
  worktrees: {
    base_path: string;
    copy_files: string[];
    port_base: number;
  };
  environments: Record<string, EnvMap>;
}
