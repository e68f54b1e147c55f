/**
 * Turns one tool call into the Cedar requests that describe what it does: invoke_tool always;
 * execute_bash for every command a Bash call runs (one per push destination); write_file for every
 * file written, deleted, linked or chmod'ed (by a file tool, a Bash command, or a tool we do not
 * model that names a path); read_file for reads. Every context carries every schema attribute.
 */
import type { CallWhere } from "../shared/rpc";
import { globMatch } from "./glob";
import { classify, DEFAULT_PATH_ENV, joinPath, normaliseAbs, type PathEnv, type ResolvedPath } from "./paths";
import { type CommandEffect, commandEffect, type Effects, type FileOp, shellEffects } from "./shell/effects";
import { pushTo } from "./shell/git";
import type { ShellParser } from "./shell/parser";

export interface CallContext {
  repo: string;
  read_only: boolean;
  task_type: string;
  where?: CallWhere;
}

export type Subject = { kind: "tool" } | { kind: "bash"; text: string } | { kind: "write"; path: string } | { kind: "read" };

export interface CedarRequest {
  action: "invoke_tool" | "write_file" | "read_file" | "execute_bash";
  resource: { type: string; id: string };
  context: Record<string, unknown>;
  subject: Subject;
  /** For execute_bash: what could not be seen (the opaque attribute's reasons). */
  unseen?: string[];
}

export interface BuiltRequests {
  requests: CedarRequest[];
  /** What the call does, for the human deciding (most dangerous first). */
  effects: string[];
}

export class ToolInputError extends Error {
  override name = "ToolInputError";
}

export const FILE_TOOLS: Record<string, string> = {
  Write: "file_path",
  Edit: "file_path",
  MultiEdit: "file_path",
  NotebookEdit: "notebook_path",
};
const READ_TOOLS: Record<string, string> = { Read: "file_path", NotebookRead: "notebook_path", Grep: "path", Glob: "path", LS: "path" };
/** Tools the gate has a model of; anything else (MCP tools, new tools) asks unless the blueprint allows it. */
/** Tools that change nothing themselves (Task's subagents pass the hook too). */
const HARMLESS_TOOLS = ["WebFetch", "WebSearch", "Task", "TodoWrite", "ExitPlanMode", "BashOutput", "KillShell", "KillBash"];
const KNOWN_TOOLS = new Set(["Bash", ...Object.keys(FILE_TOOLS), ...Object.keys(READ_TOOLS), ...HARMLESS_TOOLS]);
const READ_ONLY_TOOLS = new Set([...Object.keys(READ_TOOLS), ...HARMLESS_TOOLS]);

const absolute = (p: unknown): string | null => (typeof p === "string" && p.startsWith("/") && p.length < 4096 ? normaliseAbs(p) : null);

function pathEnvOf(where: CallWhere | undefined): { env: PathEnv; cwd: string } {
  const repoDir = absolute(where?.repo_dir) ?? DEFAULT_PATH_ENV.repo_dir;
  const home = absolute(where?.home) ?? DEFAULT_PATH_ENV.home;
  const tmp = absolute(where?.tmpdir);
  const env: PathEnv = {
    repo_dir: repoDir,
    home,
    tmp_dirs: tmp && tmp !== "/" ? [tmp, ...DEFAULT_PATH_ENV.tmp_dirs] : DEFAULT_PATH_ENV.tmp_dirs,
  };
  return { env, cwd: absolute(where?.cwd) ?? repoDir };
}

function writeRequest(ctx: CallContext, toolName: string, p: ResolvedPath, op: FileOp, viaBash: boolean): CedarRequest {
  return {
    action: "write_file",
    resource: { type: "Agent::File", id: "file" },
    context: {
      task_type: ctx.task_type,
      repo: ctx.repo,
      read_only: ctx.read_only,
      tool_name: toolName,
      op,
      file_path: p.path,
      file_name: p.name,
      file_path_lc: p.path.toLowerCase(),
      file_name_lc: p.name.toLowerCase(),
      outside_repo: p.outside_repo,
      in_tmp: p.in_tmp,
      git_dir: p.git_dir,
      agent_settings: p.agent_settings,
      device_write: p.device,
      via_bash: viaBash,
    },
    subject: { kind: "write", path: p.path },
  };
}

function readRequest(ctx: CallContext, toolName: string, p: ResolvedPath): CedarRequest {
  return {
    action: "read_file",
    resource: { type: "Agent::File", id: "file" },
    context: {
      task_type: ctx.task_type,
      repo: ctx.repo,
      read_only: ctx.read_only,
      tool_name: toolName,
      file_path: p.path,
      outside_repo: p.outside_repo,
      secret_location: p.secret,
    },
    subject: { kind: "read" },
  };
}

function bashRequests(ctx: CallContext, c: CommandEffect): CedarRequest[] {
  const git = c.git;
  const targets = git?.targets.length ? git.targets : [""];
  const text = c.text.replace(/\s+/g, " ");
  return targets.map((target) => ({
    action: "execute_bash",
    resource: { type: "Agent::BashCommand", id: "command" },
    context: {
      task_type: ctx.task_type,
      repo: ctx.repo,
      read_only: ctx.read_only,
      command: text,
      command_lc: text.toLowerCase(),
      program: c.program,
      flags: c.flags,
      args: c.args,
      git_subcommand: git?.subcommand ?? "",
      git_force: git?.force ?? false,
      git_remote: git?.remote ?? "",
      git_target: target,
      git_unknown_destination: git?.unknown_destination ?? false,
      git_delete: git?.delete ?? false,
      git_mirror: git?.mirror ?? false,
      git_exec_config: (git?.exec_config.length ?? 0) > 0,
      opaque: c.opaque.length > 0,
      remote_code: c.remote_code.length > 0,
      read_only_safe: c.read_only_safe && c.opaque.length === 0,
      sql: c.sql,
      device_write: c.device_write,
      chmod_root: c.chmod_root,
      deletes_root: c.deletes_root,
    },
    subject: { kind: "bash", text },
    unseen: c.opaque,
  }));
}

const PATH_KEYS = /^(path|paths|file_?path|file_?name|filename|notebook_path|dir|directory|target|destination|dest|output|files?)$/i;
const BRANCH_KEYS = /^(branch|base|ref|head|target_branch|base_branch|head_branch)$/i;

/** Strings under path-like keys of a tool input we have no model of (nested objects and arrays included). */
function pathsIn(v: unknown, key = "", depth = 0, out: string[] = []): string[] {
  if (depth > 6 || out.length > 50) return out;
  if (typeof v === "string" && PATH_KEYS.test(key)) out.push(v);
  else if (Array.isArray(v)) for (const x of v) pathsIn(x, key, depth + 1, out);
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) pathsIn(x, k, depth + 1, out);
  return out;
}

function unmodelledRequests(
  ctx: CallContext,
  toolName: string,
  input: Record<string, unknown>,
  env: PathEnv,
  cwd: string,
  effects: Effects,
): CedarRequest[] {
  const out: CedarRequest[] = [];
  for (const raw of pathsIn(input)) {
    if (!raw.trim() || /^[a-z]+:\/\//i.test(raw)) continue;
    const p = classify(raw.startsWith("/") ? normaliseAbs(raw) : joinPath(cwd, raw), env);
    effects.files.push({ op: "write", path: p, recursive: false });
    out.push(writeRequest(ctx, toolName, p, "write", false));
  }
  // A tool that pushes, merges or commits to a branch is a push to that branch.
  if (/push|merge|commit|file|ref|branch/i.test(toolName)) {
    for (const [k, v] of Object.entries(input)) {
      if (!BRANCH_KEYS.test(k) || typeof v !== "string" || !v) continue;
      const branch = v.replace(/^refs\/heads\//, "");
      const c = commandEffect(`${toolName} ${k}=${branch}`, toolName, pushTo([branch]));
      effects.commands.push(c);
      out.push(...bashRequests(ctx, c));
    }
  }
  return out;
}

function webDomain(toolName: string, input: Record<string, unknown>): string {
  if (toolName !== "WebFetch" || typeof input.url !== "string") return "";
  try {
    return new URL(input.url).hostname.toLowerCase();
  } catch {
    throw new ToolInputError("WebFetch tool_input.url must be a URL");
  }
}

export interface ToolPolicy {
  /** Tool names (globs: `*`, `?`) the repo allows without a model, e.g. `mcp__github__get_*`. */
  allowed_tools: string[];
  /** When set, WebFetch to other domains asks. `*.example.com` matches subdomains. */
  allowed_domains: string[];
}

export function buildRequests(
  parser: ShellParser,
  toolName: string,
  toolInput: Record<string, unknown>,
  ctx: CallContext,
  tools: ToolPolicy,
): BuiltRequests {
  const { env, cwd } = pathEnvOf(ctx.where);
  const effects: Effects = { commands: [], files: [], reads: [] };
  const domain = webDomain(toolName, toolInput);
  const known = KNOWN_TOOLS.has(toolName);
  const out: CedarRequest[] = [
    {
      action: "invoke_tool",
      resource: { type: "Agent::Tool", id: toolName },
      context: {
        task_type: ctx.task_type,
        repo: ctx.repo,
        read_only: ctx.read_only,
        tool_name: toolName,
        tool_known: known,
        tool_read_only: READ_ONLY_TOOLS.has(toolName),
        tool_allowed: tools.allowed_tools.some((g) => globMatch(g, toolName)),
        web_domain: domain,
        web_domain_allowed:
          domain === "" ||
          tools.allowed_domains.length === 0 ||
          tools.allowed_domains.some(
            (g) => globMatch(g.toLowerCase(), domain) || (g.startsWith("*.") && domain === g.slice(2).toLowerCase()),
          ),
      },
      subject: { kind: "tool" },
    },
  ];
  // A leading ~ is the home directory (a tool that expands it would write there; one that does not writes ./~).
  const resolve = (raw: string) =>
    classify(
      raw.startsWith("/")
        ? normaliseAbs(raw)
        : /^~(\/|$)/.test(raw)
          ? joinPath(env.home, raw.slice(1).replace(/^\/+/, "") || ".")
          : joinPath(cwd, raw),
      env,
    );
  const pathField = FILE_TOOLS[toolName];
  if (pathField) {
    const p = toolInput[pathField];
    if (typeof p !== "string" || !p.trim()) throw new ToolInputError(`${toolName} tool_input.${pathField} must be a non-empty string`);
    const r = resolve(p.trim());
    effects.files.push({ op: "write", path: r, recursive: false });
    out.push(writeRequest(ctx, toolName, r, "write", false));
  }
  const readField = READ_TOOLS[toolName];
  if (readField && typeof toolInput[readField] === "string" && (toolInput[readField] as string).trim()) {
    const r = resolve((toolInput[readField] as string).trim());
    if (r.secret) effects.reads.push(r);
    out.push(readRequest(ctx, toolName, r));
    // Grep reads every file below its path: over the home directory (or /) that includes secret places.
    if (toolName === "Grep" && (r.abs === "/" || env.home === r.abs || env.home.startsWith(`${r.abs}/`))) {
      const secret = classify(`${env.home}/.ssh`, env);
      effects.reads.push(secret);
      out.push(readRequest(ctx, toolName, secret));
    }
  }
  if (toolName === "Bash") {
    const cmd = toolInput.command;
    if (typeof cmd !== "string") throw new ToolInputError("Bash tool_input.command must be a string");
    const e = shellEffects(parser, cmd, cwd, env);
    effects.commands.push(...e.commands);
    effects.files.push(...e.files);
    effects.reads.push(...e.reads);
    for (const c of e.commands) out.push(...bashRequests(ctx, c));
    for (const f of e.files) out.push(writeRequest(ctx, "Bash", f.path, f.op, true));
    for (const r of e.reads) out.push(readRequest(ctx, "Bash", r));
  } else if (!known) out.push(...unmodelledRequests(ctx, toolName, toolInput, env, cwd, effects));
  return { requests: out, effects: describeEffects(toolName, effects, domain) };
}

const MAX_PHRASES = 8;

/** Short phrases for the approval card, most dangerous first. */
function describeEffects(toolName: string, e: Effects, domain: string): string[] {
  const ranked: [number, string][] = [];
  const add = (rank: number, s: string) => ranked.push([rank, s]);
  for (const c of e.commands) {
    for (const r of c.remote_code) add(0, r);
    if (c.device_write) add(0, `writes a disk device or file system (${c.program})`);
    if (c.deletes_root) add(0, "deletes / or the home directory recursively");
    if (c.chmod_root) add(0, "changes permissions of / or the home directory recursively");
    const g = c.git;
    if (g?.subcommand === "push") {
      const where = g.targets.length ? g.targets.join(", ") : "a branch git picks from its configuration";
      if (g.mirror) add(1, `mirrors every branch to ${g.remote || "the default remote"}`);
      else if (g.delete) add(1, `deletes remote branch ${where}`);
      else if (g.force) add(1, `force-pushes to ${where}`);
      else if (g.unknown_destination) add(3, `pushes to ${where}${g.targets.length ? " and a branch git picks" : ""}`);
      else add(4, `pushes to ${where}`);
    }
    for (const k of g?.exec_config ?? []) add(1, `sets git config ${k}, which makes git run programs`);
    for (const o of c.opaque) add(2, `cannot be seen: ${o}`);
    if (c.sql) add(2, `sends SQL to ${c.program}: ${c.sql.slice(0, 80)}`);
  }
  for (const f of e.files) {
    const verb = { write: "writes", delete: "deletes", link: "links", chmod: "changes permissions of" }[f.op];
    const p = f.path;
    const rank =
      p.git_dir || p.agent_settings || p.device
        ? 1
        : p.outside_repo && !p.in_tmp
          ? 2
          : /(^|\/)\.env|credentials|\.github\/workflows/i.test(p.path)
            ? 2
            : 5;
    add(rank, `${verb} ${p.path}${p.outside_repo && !p.in_tmp ? " (outside the repo)" : ""}${f.recursive ? " recursively" : ""}`);
  }
  for (const r of e.reads) add(2, `reads ${r.path} (a secret location)`);
  if (domain) add(5, `fetches from ${domain}`);
  if (!KNOWN_TOOLS.has(toolName)) add(3, `calls ${toolName}, a tool the gate has no model of`);
  for (const c of e.commands) if (c.program && !c.git && !c.opaque.length && !c.remote_code.length) add(6, `runs ${c.text.slice(0, 60)}`);
  const phrases = [...new Set(ranked.sort((a, b) => a[0] - b[0]).map(([, s]) => s))];
  return phrases.length > MAX_PHRASES ? [...phrases.slice(0, MAX_PHRASES - 1), `and ${phrases.length - MAX_PHRASES + 1} more`] : phrases;
}
