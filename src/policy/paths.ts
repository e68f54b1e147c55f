/**
 * Paths resolved as the OS would: against the agent's working directory, then `.`, `..` and `//`;
 * `~` and `$HOME` are expanded by the caller (words.ts). Classified for the rules: inside the repo
 * (repo-relative) or outside (absolute), git internals (`.git` as any segment, in any case), agent
 * settings, secret locations, the system temp dir, devices. Names are matched case-insensitively:
 * macOS and Windows file systems are, and an agent will try `.GIT/hooks`.
 */

/** Where the agent runs, as the hook sees it. Defaults stand in when a caller (CLI, API) gives none. */
export interface PathEnv {
  repo_dir: string;
  home: string;
  tmp_dirs: string[];
}

export const DEFAULT_PATH_ENV: PathEnv = { repo_dir: "/workspace/repo", home: "/home/agent", tmp_dirs: ["/tmp", "/var/tmp"] };

export interface ResolvedPath {
  /** Absolute and normalised. */
  abs: string;
  /** Repo-relative when inside the repo ("." for its root), else absolute. */
  path: string;
  name: string;
  outside_repo: boolean;
  in_tmp: boolean;
  /** "repo": the repo's own .git; "nested": any other .git directory. */
  git_dir: "" | "repo" | "nested";
  agent_settings: boolean;
  secret: boolean;
  device: boolean;
}

/** Normalise an absolute path: drop `.` and empty segments, apply `..` (never above /). */
export function normaliseAbs(p: string): string {
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
    // /proc/<pid>/root is that process's view of /: the same files.
    if (out.length === 3 && out[0] === "proc" && out[2] === "root") out.length = 0;
  }
  return `/${out.join("/")}`;
}

export const joinPath = (base: string, rel: string): string => normaliseAbs(rel.startsWith("/") ? rel : `${base}/${rel}`);

export const isUnder = (p: string, dir: string): boolean => dir === "/" || p === dir || p.startsWith(`${dir}/`);

/** Files under /dev that are not devices anyone can harm by writing. */
const HARMLESS_DEV = /^\/dev\/(null|zero|stdout|stderr|stdin|tty|fd\/\d+|full|random|urandom)$/;

const SECRET_SEGMENTS = new Set([".ssh", ".aws", ".gnupg", ".kube", ".docker"]);
const SECRET_FILES = new Set([".netrc", ".git-credentials", ".pgpass", ".npmrc", ".pypirc"]);

function isSecret(segs: string[]): boolean {
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (SECRET_SEGMENTS.has(s)) return true;
    if (i === segs.length - 1 && SECRET_FILES.has(s)) return true;
    if (s === ".config" && (segs[i + 1] === "gcloud" || segs[i + 1] === "bgagent" || segs[i + 1] === "gh")) return true;
    if (s === ".config" && segs[i + 1] === "git" && segs[i + 2] === "credentials") return true;
    if (s === ".claude" && segs[i + 1] === ".credentials.json") return true;
  }
  return false;
}

function isAgentSettings(abs: string, segs: string[], env: PathEnv): boolean {
  if (segs.includes(".claude")) return true;
  if (abs === `${env.home.toLowerCase()}/.claude.json`) return true;
  // Claude Code's managed (enterprise) settings.
  return isUnder(abs, "/etc/claude-code") || isUnder(abs, "/library/application support/claudecode");
}

export function classify(abs: string, env: PathEnv): ResolvedPath {
  const lc = abs.toLowerCase();
  const segs = lc.split("/").filter(Boolean);
  const repo = env.repo_dir.toLowerCase();
  const inside = isUnder(lc, repo);
  const rel = inside ? abs.slice(env.repo_dir.length).replace(/^\//, "") || "." : abs;
  const relSegs = inside ? rel.toLowerCase().split("/") : segs;
  const gitAt = segs.indexOf(".git");
  const gitDir: ResolvedPath["git_dir"] = gitAt === -1 ? "" : inside && relSegs[0] === ".git" ? "repo" : "nested";
  const parts = abs.split("/").filter(Boolean);
  return {
    abs,
    path: rel,
    name: parts.length ? parts[parts.length - 1] : "/",
    outside_repo: !inside,
    in_tmp: env.tmp_dirs.some((t) => isUnder(lc, t.toLowerCase()) && lc !== t.toLowerCase()),
    git_dir: gitDir,
    agent_settings: isAgentSettings(lc, segs, env),
    secret: isSecret(segs),
    device: lc.startsWith("/dev/") && !HARMLESS_DEV.test(lc),
  };
}

/** `/`, the home directory or anything above it: deleting these recursively is never task work. */
export const isRootLike = (abs: string, env: PathEnv): boolean => abs === "/" || isUnder(env.home, abs);
