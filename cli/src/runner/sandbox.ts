/**
 * `bgagent runner --sandbox`: the agent runs under bubblewrap (Linux). The root filesystem is
 * read-only; the runner's HOME, its config directory, the other tasks' directories and /tmp are
 * empty read-only tmpfs; only the working copy and the task's scratch dir (HOME, TMPDIR) are writable; the
 * hook bundle and its settings are bind-mounted read-only, also over the working copy's
 * `.claude/` and the per-task `~/.claude/settings.json` (the denials file alone stays writable). The agent gets its own PID namespace
 * (it sees only its own processes, and killing bwrap ends every process inside) and no
 * capabilities: `--cap-drop ALL` matters when the runner is root, because bwrap keeps them for
 * root by default and a capable process could unmount the tmpfs over the runner's HOME.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { isAbsolute, relative, sep } from "node:path";
import { CliError } from "../client";

export interface SandboxPlan {
  /** bwrap --unshare-user: needed without root; off only for root where namespaces are refused. */
  userns: boolean;
  /** Covered by an empty tmpfs. */
  hide: string[];
  /** Bound read-write at the same path (after the hides, so they show through). */
  writable: string[];
  /** Bound in this order on top of the writable dirs, `src` at `dest`, read-only unless `writable`. */
  binds: Array<{ src: string; dest: string; writable?: boolean }>;
  cwd: string;
}

export const isUnder = (path: string, dir: string): boolean => {
  const r = relative(dir, path);
  return r === "" || (!r.startsWith(`..${sep}`) && r !== ".." && !isAbsolute(r));
};

const BASE = ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--cap-drop", "ALL"];

export function bwrapArgs(p: SandboxPlan, argv: string[]): string[] {
  const a = [...BASE, ...(p.userns ? ["--unshare-user"] : []), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"];
  // Shallow first; a path inside one already hidden needs no tmpfs of its own.
  const sorted = [...new Set(p.hide)].filter((h) => h !== "/").sort((x, y) => x.length - y.length);
  const hide = sorted.filter((h, i) => !sorted.slice(0, i).some((o) => isUnder(h, o)));
  for (const h of hide) a.push("--tmpfs", h);
  for (const w of p.writable) a.push("--bind", w, w);
  for (const b of p.binds) a.push(b.writable ? "--bind" : "--ro-bind", b.src, b.dest);
  // Read-only once the binds have their mount points in them: nothing to write there either.
  for (const h of hide) a.push("--remount-ro", h);
  return [...a, "--chdir", p.cwd, "--", ...argv];
}

export interface AgentUser {
  name: string;
  uid: number;
  gid: number;
}

export function lookupAgentUser(name: string): AgentUser {
  if (process.getuid?.() !== 0)
    throw new CliError(`--agent-user ${name}: the runner must run as root (or with sudo) to start the agent as another user`, "USAGE");
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
    const user = { name, uid: id("-u"), gid: id("-g") };
    if (user.uid === 0) throw new CliError(`--agent-user ${name} is root: pick an unprivileged user`, "USAGE");
    return user;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`--agent-user ${name}: no such user (create one: useradd --system --create-home ${name})`, "USAGE");
  }
}

/**
 * Which flags bwrap accepts here: user namespaces first; a root runner without an agent user may
 * fall back to none (containers often refuse unprivileged namespaces but give root its mounts).
 * Neither works: refuse to start rather than run the agent unconfined.
 */
export function probeSandbox(user: AgentUser | null): { userns: boolean } {
  const attempts = user || process.getuid?.() !== 0 ? [true] : [true, false];
  const errors: string[] = [];
  for (const userns of attempts) {
    const r = spawnSync("bwrap", bwrapArgs({ userns, hide: ["/tmp"], writable: [], binds: [], cwd: "/" }, ["true"]), {
      encoding: "utf8",
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    if (r.status === 0) return { userns };
    errors.push(`${userns ? "with" : "without"} --unshare-user: ${r.error ? r.error.message : r.stderr.trim()}`);
  }
  throw new CliError(
    `--sandbox: bubblewrap cannot start a sandbox here (${errors.join("; ")}). Install it with: apt-get install -y bubblewrap`,
    "SANDBOX",
  );
}
