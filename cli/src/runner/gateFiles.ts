/**
 * The gate's files for one task, written by the runner outside the working copy: the hook bundle
 * and the Claude Code settings that run it (`claude --settings FILE`), plus two copies of the
 * settings where Claude Code would also look (the working copy's `.claude/settings.local.json`,
 * the fallback for agents started without `--settings`, and the per-task HOME's
 * `~/.claude/settings.json`). A tripwire fingerprints all of them: any change means the agent
 * tampered with its gate.
 */
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, type FSWatcher, mkdirSync, readFileSync, watch } from "node:fs";
import { dirname, join } from "node:path";
import { freshFile, PRE_TOOL_USE_TIMEOUT_S, realDir } from "./workspace";

/** POSIX shell single-quoting. */
const shq = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export interface HookPins {
  node: string;
  hookBundle: string;
  url: string;
  taskId: string;
  repoDir: string;
  denialsFile: string;
  /** The agent's HOME and TMPDIR, so the gate resolves `~` and the temp dir as the agent's shell does. */
  home?: string;
  tmpdir?: string;
}

/**
 * The hook runs with an environment of its own (`env -i`): settings the agent can write (a
 * project or user `settings.json` with an `env` key) could otherwise point the hook at another
 * service or load code into it (NODE_OPTIONS, LD_PRELOAD). Only the task token comes from the
 * agent's environment: a wrong one gets 401 and the hook denies. It is not written into the file
 * because a copy lives in the working copy, which may be pushed.
 */
function hookCommand(p: HookPins, which: "pre-tool-use" | "stop"): string {
  const pinned = {
    PATH: "/usr/bin:/bin",
    BGAGENT_URL: p.url,
    BGAGENT_TASK_ID: p.taskId,
    BGAGENT_REPO_DIR: p.repoDir,
    BGAGENT_DENIALS_FILE: p.denialsFile,
    HOME: p.home,
    TMPDIR: p.tmpdir,
  };
  const vars = Object.entries(pinned).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${shq(v)}`]));
  return ["/usr/bin/env", "-i", ...vars, 'BGAGENT_TASK_TOKEN="$BGAGENT_TASK_TOKEN"', shq(p.node), shq(p.hookBundle), which].join(" ");
}

export function claudeSettings(p: HookPins): Record<string, unknown> {
  return {
    // Explicit, so that a lower-precedence settings file cannot switch the hooks off.
    disableAllHooks: false,
    hooks: {
      PreToolUse: [
        { matcher: "*", hooks: [{ type: "command", command: hookCommand(p, "pre-tool-use"), timeout: PRE_TOOL_USE_TIMEOUT_S }] },
      ],
      Stop: [{ hooks: [{ type: "command", command: hookCommand(p, "stop"), timeout: 30 }] }],
    },
  };
}

export interface GateFiles {
  settings: string;
  hookBundle: string;
  /** Every file the runner wrote for the gate: the tripwire watches these. */
  all: string[];
  /** How a report names each file. */
  labels: Record<string, string>;
}

/**
 * `runnerDir` is the runner's own directory for the task (not writable by an agent user);
 * `hookSource` the built hook bundle (cli/dist/hook.mjs).
 */
export function writeGateFiles(o: {
  runnerDir: string;
  hookSource: string;
  workingCopy: string;
  home: string;
  pins: Omit<HookPins, "hookBundle">;
}): GateFiles {
  mkdirSync(o.runnerDir, { recursive: true, mode: 0o755 });
  const hookBundle = join(o.runnerDir, "hook.mjs");
  copyFileSync(o.hookSource, hookBundle);
  chmodSync(hookBundle, 0o444);
  const text = `${JSON.stringify(claudeSettings({ ...o.pins, hookBundle }), null, 2)}\n`;
  const settings = join(o.runnerDir, "claude-settings.json");
  const copies = [settings, join(o.workingCopy, ".claude", "settings.local.json"), join(o.home, ".claude", "settings.json")];
  for (const f of copies) {
    realDir(dirname(f));
    freshFile(f, text);
    chmodSync(f, 0o444);
  }
  const [, local, user] = copies;
  return {
    settings,
    hookBundle,
    all: [settings, hookBundle, local, user],
    labels: {
      [settings]: "hook settings (--settings file)",
      [hookBundle]: "hook bundle",
      [local]: "the working copy's .claude/settings.local.json",
      [user]: "the task HOME's .claude/settings.json",
    },
  };
}

const sha256 = (file: string): string | null => {
  try {
    return createHash("sha256").update(readFileSync(file)).digest("hex");
  } catch {
    return null; // gone or unreadable: a change too
  }
};

/**
 * Fingerprints files now and reports the first one that differs later. `watch` calls back at
 * once on a change it sees; `check()` is also run with every heartbeat because fs.watch can miss
 * a file replaced by rename.
 */
export class Tripwire {
  private readonly prints: Map<string, string | null>;
  private watchers: FSWatcher[] = [];

  constructor(readonly files: string[]) {
    this.prints = new Map(files.map((f) => [f, sha256(f)]));
  }

  check(): string | null {
    for (const [f, print] of this.prints) if (sha256(f) !== print) return f;
    return null;
  }

  watch(onTamper: (file: string) => void): void {
    const recheck = () => {
      const f = this.check();
      if (f) onTamper(f);
    };
    for (const dir of new Set(this.files.map((f) => dirname(f)))) {
      try {
        this.watchers.push(watch(dir, { persistent: false }, recheck));
      } catch {
        // The periodic check still covers it.
      }
    }
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
