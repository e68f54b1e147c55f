/**
 * A Bash command line reduced to what it does: the commands it runs (wrappers unwrapped, nested
 * `sh -c` scripts, `eval` and git aliases followed), the files it writes, deletes, links or chmods
 * (paths resolved against the working directory as tracked through `cd`), what it reads from secret
 * places, where git pushes go, which git config makes git run programs, SQL handed to a database
 * client, downloads that reach a shell or interpreter. What cannot be seen statically is recorded
 * as opaque with the reason: the gate asks a human about it (see it or ask).
 */
import { classify, isRootLike, isUnder, joinPath, normaliseAbs, type PathEnv, type ResolvedPath } from "../paths";
import { EXEC_CONFIG, type GitEffect, gitReadOnly, parseGit, pushTo } from "./git";
import { expandLong } from "./options";
import { parseShell, type ShellNode, type ShellParser } from "./parser";
import {
  DB_CLIENTS,
  DEVICE_TOOLS,
  DOWNLOADERS,
  INLINE_CODE,
  interpreterOf,
  READ_ONLY,
  READ_ONLY_UNLESS,
  RECURSIVE,
  SHELLS,
  SU,
  WRAPPER_POSITIONAL,
  WRAPPERS,
} from "./programs";
import { decodeAnsiC, evalWord, type VarValue, type Word, type WordScope } from "./words";

export interface CommandEffect {
  /** The effective command: words joined by single spaces, wrappers removed. */
  text: string;
  program: string;
  flags: string[];
  args: string[];
  git: GitEffect | null;
  /** Why what this command does cannot be seen (empty when it can). */
  opaque: string[];
  /** Why this command runs code that was downloaded in the same line. */
  remote_code: string[];
  /** Known not to change any state (read-only tasks may run it). */
  read_only_safe: boolean;
  /** SQL a database client receives, comments removed, whitespace collapsed, lower case. */
  sql: string;
  device_write: boolean;
  chmod_root: boolean;
  deletes_root: boolean;
}

/** A command that does nothing the rules care about yet; the walker fills in what it finds. */
export const commandEffect = (text: string, program: string, git: GitEffect | null = null): CommandEffect => ({
  text,
  program,
  flags: [],
  args: [],
  git,
  opaque: [],
  remote_code: [],
  read_only_safe: false,
  sql: "",
  device_write: false,
  chmod_root: false,
  deletes_root: false,
});

export type FileOp = "write" | "delete" | "link" | "chmod";

export interface FileEffect {
  op: FileOp;
  path: ResolvedPath;
  recursive: boolean;
}

export interface Effects {
  commands: CommandEffect[];
  files: FileEffect[];
  reads: ResolvedPath[];
}

/** What flows into a command's standard input. */
type Flow = { kind: "none" } | { kind: "literal"; text: string } | { kind: "data"; download: boolean };
const NONE: Flow = { kind: "none" };
const DATA: Flow = { kind: "data", download: false };
const DOWNLOAD: Flow = { kind: "data", download: true };

interface State {
  cwd: string | null;
  vars: Map<string, VarValue>;
  functions: Set<string>;
  aliases: Set<string>;
  /** Variables holding downloaded data (`x=$(curl ...)`). */
  downloads: Set<string>;
}

interface Arg {
  v: string | null;
  /** The word as written, for what can be read from it even when its value cannot be known. */
  raw?: string;
  glob: boolean;
  why: string | null;
  download: boolean;
}

const MAX_DEPTH = 4;
const KEYWORDS = new Set([
  "{",
  "}",
  "(",
  ")",
  "!",
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "while",
  "until",
  "for",
  "case",
  "esac",
  "in",
  "function",
  "select",
  "[[",
  "]]",
  "coproc",
]);
const MAX_COMMANDS = 300;
const MAX_EXPANSIONS = 16;

const basename = (w: string) => w.slice(w.lastIndexOf("/") + 1);
const copyState = (s: State): State => ({
  cwd: s.cwd,
  vars: new Map(s.vars),
  functions: new Set(s.functions),
  aliases: new Set(s.aliases),
  downloads: new Set(s.downloads),
});
const merge = (a: Flow, b: Flow): Flow =>
  a.kind === "data" && a.download ? a : b.kind === "data" && b.download ? b : b.kind !== "none" ? b : a;

/** Database clients see SQL with comments and layout removed, so `DROP/**\/TABLE` reads as what it is. */
const normaliseSql = (sql: string): string =>
  sql
    .replace(/\/\*!\d*([\s\S]*?)\*\//g, " $1 ") // MySQL runs what is inside /*! ... */
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/--[^\n]*/g, " ")
    .replace(/#[^\n]*/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();

const PROTECTED_NAMES = [
  ".git",
  ".claude",
  ".env",
  ".ssh",
  ".aws",
  ".gnupg",
  ".kube",
  ".docker",
  ".netrc",
  ".git-credentials",
  ".pgpass",
  ".npmrc",
  ".pypirc",
  "gcloud",
  "gh",
  "bgagent",
  "git",
  ".github",
  "workflows",
  "credentials",
];
const segGlobCache = new Map<string, RegExp>();
const segGlobRe = (seg: string): RegExp => {
  let re = segGlobCache.get(seg);
  if (!re) {
    re = segGlobSource(seg);
    if (segGlobCache.size > 500) segGlobCache.clear();
    segGlobCache.set(seg, re);
  }
  return re;
};
const segGlobSource = (seg: string) =>
  new RegExp(
    `^${seg
      .replace(/[.+^${}()|\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")
      .replace(/\[!/g, "[^")}$`,
    "i",
  );

/**
 * A glob path stands for every protected name each globbed segment can match (bash skips dot files
 * unless the glob starts with a dot): `.*` may be `.git`, `~/.config/*` may be gcloud. Returns the
 * path itself plus each such reading (bounded).
 */
function worstCases(abs: string): string[] {
  if (!/[*?[]/.test(abs)) return [abs];
  let out = [""];
  for (const seg of abs.split("/")) {
    let alts = [seg];
    if (/[*?[]/.test(seg)) {
      try {
        const re = segGlobRe(seg);
        alts = [seg, ...PROTECTED_NAMES.filter((n) => (seg.startsWith(".") || !n.startsWith(".")) && re.test(n))];
      } catch {
        alts = [seg];
      }
    }
    out = out.flatMap((o) => alts.map((a) => (o === "" && a === "" ? "" : `${o}/${a}`))).slice(0, 32);
  }
  return [...new Set(out.map((p) => normaliseAbs(p || "/")))];
}

/** Words that name a secret place even when the rest of the path cannot be seen (`"$(echo ~)/.ssh/id_rsa"`). */
const SECRET_TEXT =
  /(^|\/)(\.ssh|\.aws|\.gnupg|\.kube|\.docker|\.config\/(gcloud|gh|bgagent|git\/credentials))(\/|$)|(^|\/)(\.netrc|\.git-credentials|\.pgpass|\.npmrc|\.pypirc|\.credentials\.json)$/;

class Walker {
  readonly effects: Effects = { commands: [], files: [], reads: [] };
  /** Files written by a downloader on this line (absolute paths). */
  private readonly downloaded = new Set<string>();
  /** Directories filled from elsewhere on this line (`git clone`, `gh repo clone`): what they hold is downloaded. */
  private readonly downloadedTrees = new Set<string>();
  /** Files this line wrote with literal text (`echo '...' > f`): a shell or database client reading one reads that. */
  private readonly literalFiles = new Map<string, string>();
  /** Substitution nodes already walked (tree-sitter node ids). */
  private readonly visited = new Set<ShellNode>();
  private count = 0;

  constructor(
    private readonly parser: ShellParser,
    private readonly env: PathEnv,
  ) {}

  private newCommand(text: string, program: string): CommandEffect {
    if (++this.count > MAX_COMMANDS) throw new Error("the command line has too many commands to check");
    const c = commandEffect(text, program);
    this.effects.commands.push(c);
    return c;
  }

  /** Something not tied to a simple command (a parse error, a redirect to an unknown file). */
  opaque(reason: string, text = ""): void {
    this.newCommand(text, "").opaque.push(reason);
  }

  script(text: string, st: State, stdin: Flow, depth: number): Flow {
    if (depth > MAX_DEPTH) {
      this.opaque(`scripts nest more than ${MAX_DEPTH} levels deep`, text.slice(0, 200));
      return DATA;
    }
    // bash joins a backslash-newline before it splits words (`r\<newline>m` is `rm`); tree-sitter does not.
    text = text.replace(/\\\n/g, "");
    const root = parseShell(this.parser, text);
    if (!root) {
      this.opaque("the shell parser gave up on this command", text.slice(0, 200));
      return DATA;
    }
    if (root.hasError) {
      const bad = firstError(root);
      this.opaque(`the shell parser cannot read it${bad ? ` near \`${bad.slice(0, 60)}\`` : ""}`, text.slice(0, 200));
    }
    const out = this.sequence(root.namedChildren, st, stdin, depth);
    this.unvisitedSubstitutions(root, st, depth);
    // tree-sitter gives no node for a backquoted command inside ${...}: `${x:-`cmd`}` still runs cmd.
    for (const m of text.matchAll(/\$\{[^}]*?`((?:\\.|[^`\\])*)`/g)) this.script(m[1], copyState(st), NONE, depth + 1);
    return out;
  }

  /**
   * Substitutions run wherever they sit (`${x:-$(cmd)}`, `$(( $(cmd) ))`, `a[$(cmd)]=1`, `unset $(cmd)`):
   * any the walk above did not reach is walked now, so no command escapes by its hiding place.
   */
  private unvisitedSubstitutions(root: ShellNode, st: State, depth: number): void {
    const stack: ShellNode[] = [root];
    while (stack.length) {
      const n = stack.pop()!;
      if ((n.type === "command_substitution" || n.type === "process_substitution") && !this.visited.has(n)) {
        this.visited.add(n);
        this.sequence(n.namedChildren, copyState(st), NONE, depth + 1);
        continue;
      }
      for (const c of n.namedChildren) stack.push(c);
    }
  }

  private sequence(nodes: ShellNode[], st: State, stdin: Flow, depth: number): Flow {
    let out: Flow = NONE;
    for (const n of nodes) out = this.stmt(n, st, stdin, depth);
    return out;
  }

  private scope(st: State, depth: number): WordScope {
    return {
      vars: st.vars,
      downloads: st.downloads,
      home: this.env.home,
      cwd: st.cwd,
      tmp: this.env.tmp_dirs[0] ?? "/tmp",
      onSubstitution: (node) => {
        this.visited.add(node);
        const before = this.effects.commands.length;
        this.sequence(node.namedChildren, copyState(st), NONE, depth + 1);
        return this.effects.commands.slice(before).some((c) => DOWNLOADERS.has(c.program));
      },
    };
  }

  private word(n: ShellNode, st: State, depth: number, first = true): Word {
    return evalWord(n, this.scope(st, depth), first);
  }

  /** Command and process substitutions hidden anywhere below a node still run: walk them. */
  private substitutionsIn(n: ShellNode, st: State, depth: number): void {
    for (const c of n.namedChildren) {
      if (c.type === "command_substitution" || c.type === "process_substitution") this.word(c, st, depth);
      else this.substitutionsIn(c, st, depth);
    }
  }

  private assign(n: ShellNode, st: State, depth: number): void {
    const name = n.childForFieldName("name")?.text;
    const value = n.childForFieldName("value");
    const w: Pick<Word, "values" | "download"> = value ? this.word(value, st, depth, false) : { values: [""] };
    if (!name) return;
    const risky = riskyEnv(name, w.values);
    if (risky) this.opaque(risky, n.text.slice(0, 200));
    // GIT_TRACE* set to a path makes git write its trace there.
    if (/^GIT_TRACE/.test(name)) {
      for (const v of w.values ?? [null])
        if (v === null || /[/.~]/.test(v))
          this.fileArg({ v, glob: false, why: `${name}'s value`, download: false }, "write", false, st.cwd, null, n.text);
    }
    let values = w.values;
    if (n.children.some((c) => c.type === "+=")) {
      const old = st.vars.has(name) ? st.vars.get(name)! : [""];
      values = old && values && old.length * values.length <= MAX_EXPANSIONS ? old.flatMap((a) => values!.map((b) => a + b)) : null;
    }
    st.vars.set(name, values);
    if (w.download) st.downloads.add(name);
    else st.downloads.delete(name);
  }

  private stmt(n: ShellNode, st: State, stdin: Flow, depth: number): Flow {
    switch (n.type) {
      case "comment":
      case "heredoc_body":
        return NONE;
      case "program":
      case "compound_statement":
      case "do_group":
        return this.sequence(n.namedChildren, st, stdin, depth);
      case "subshell":
        return this.sequence(n.namedChildren, copyState(st), stdin, depth);
      case "list":
        return this.list(n, st, stdin, depth);
      case "pipeline":
        return this.pipeline(n.namedChildren, st, stdin, depth);
      case "redirected_statement":
        return this.redirected(n, st, stdin, depth);
      case "command":
        return this.command(n, st, stdin, depth);
      case "variable_assignment":
        this.assign(n, st, depth);
        return NONE;
      case "variable_assignments":
      case "declaration_command":
        // declare -n: a name reference makes later expansions of one name read another.
        if (n.namedChildren.some((c) => c.type === "word" && /^-[A-Za-z]*n/.test(c.text)))
          this.opaque("declares a name reference (-n)", n.text.slice(0, 200));
        for (const c of n.namedChildren) if (c.type === "variable_assignment") this.assign(c, st, depth);
        return NONE;
      case "unset_command":
        for (const c of n.namedChildren) st.vars.delete(c.text);
        return NONE;
      case "negated_command":
        return this.sequence(n.namedChildren, st, stdin, depth);
      case "test_command":
        this.substitutionsIn(n, st, depth);
        return NONE;
      case "function_definition": {
        const name = n.childForFieldName("name")?.text;
        if (name) st.functions.add(name);
        // The body runs whenever the function is called: its effects count as if it ran now.
        const body = n.childForFieldName("body");
        if (body) this.stmt(body, copyState(st), NONE, depth);
        return NONE;
      }
      case "for_statement":
        return this.forLoop(n, st, stdin, depth);
      case "if_statement":
      case "elif_clause":
      case "else_clause":
      case "while_statement":
      case "c_style_for_statement":
      case "case_statement":
      case "case_item":
        return this.compound(n, st, stdin, depth);
      case "ERROR":
        this.opaque("the shell parser cannot read part of it", n.text.slice(0, 200));
        this.compound(n, st, stdin, depth);
        return DATA;
      default:
        this.substitutionsIn(n, st, depth);
        this.opaque(`a shell construct the gate does not model (${n.type})`, n.text.slice(0, 200));
        return DATA;
    }
  }

  /** Branches and loops: every part may run; a `cd` inside leaves the directory unknown afterwards. */
  private compound(n: ShellNode, st: State, stdin: Flow, depth: number): Flow {
    const cwd = st.cwd;
    const varsBefore = new Map(st.vars);
    let out: Flow = NONE;
    for (const c of n.namedChildren) {
      if (
        c.type === "word" ||
        c.type === "string" ||
        c.type === "raw_string" ||
        c.type === "concatenation" ||
        c.type === "simple_expansion" ||
        c.type === "expansion" ||
        c.type === "extglob_pattern" ||
        c.type === "number"
      ) {
        this.word(c, st, depth); // case values and patterns: only their substitutions run
        continue;
      }
      if (
        c.type === "binary_expression" ||
        c.type === "unary_expression" ||
        c.type === "parenthesized_expression" ||
        c.type === "variable_name"
      ) {
        this.substitutionsIn(c, st, depth);
        continue;
      }
      out = merge(out, this.stmt(c, st, stdin, depth));
    }
    if (st.cwd !== cwd) st.cwd = null;
    mergeVars(varsBefore, st.vars);
    return out;
  }

  private forLoop(n: ShellNode, st: State, stdin: Flow, depth: number): Flow {
    const name = n.childForFieldName("variable")?.text;
    const values = n.childrenForFieldName("value");
    if (name) {
      let vals: string[] | null = values.length ? [] : null;
      for (const v of values) {
        const w = this.word(v, st, depth);
        vals = vals && w.values ? [...vals, ...w.values] : null;
      }
      st.vars.set(name, vals && vals.length <= MAX_EXPANSIONS ? vals : null);
    }
    const body = n.childForFieldName("body");
    const cwd = st.cwd;
    const varsBefore = new Map(st.vars);
    const out = body ? this.stmt(body, st, stdin, depth) : NONE;
    if (st.cwd !== cwd) st.cwd = null;
    mergeVars(varsBefore, st.vars);
    return out;
  }

  private list(n: ShellNode, st: State, stdin: Flow, depth: number): Flow {
    const [left, right] = [n.namedChildren[0], n.namedChildren[n.namedChildren.length - 1]];
    const op = n.children.find((c) => c && !c.isNamed)?.type;
    const before = st.cwd;
    if (left) this.stmt(left, st, stdin, depth);
    // After `a || b`, b runs only when a failed: a `cd` in a may or may not have happened.
    if (op === "||" && st.cwd !== before) st.cwd = null;
    const afterLeft = st.cwd;
    const varsBefore = new Map(st.vars);
    const out = right && left && right !== left ? this.stmt(right, st, stdin, depth) : NONE;
    if (op === "||" && st.cwd !== afterLeft) st.cwd = null;
    // b may not run at all: what it assigned may or may not hold afterwards.
    mergeVars(varsBefore, st.vars);
    return out;
  }

  /** Each stage of a pipeline runs in a subshell; data flows from one stage into the next. */
  private pipeline(stages: ShellNode[], st: State, stdin: Flow, depth: number): Flow {
    let flow = stdin;
    for (const s of stages) flow = this.stmt(s, copyState(st), flow, depth);
    return flow;
  }

  private redirected(n: ShellNode, st: State, stdin: Flow, depth: number): Flow {
    const body = n.childForFieldName("body");
    const redirects = n.namedChildren.filter((c): c is ShellNode => c !== body);
    // tree-sitter-bash wraps `cd d && echo x > f` whole, but bash applies the redirect to the last
    // command: its file opens in the directory the list reached. Elsewhere it opens before the body runs.
    const lastCommand = body?.type === "list";
    const { input, after } = this.redirects(redirects, st, depth, body?.text ?? "", !lastCommand);
    const out = body ? this.stmt(body, st, input ?? stdin, depth) : NONE;
    if (lastCommand)
      this.redirects(
        redirects.filter((r) => r.type === "file_redirect"),
        st,
        depth,
        body?.text ?? "",
        true,
      );
    this.markOutputs(redirects, st, out);
    return this.afterHeredoc(after, st, out, depth);
  }

  /** Redirections: files written, where stdin comes from, and statements nested in a heredoc redirect. */
  private redirects(nodes: ShellNode[], st: State, depth: number, text: string, writes = true): { input: Flow | null; after: ShellNode[] } {
    let input: Flow | null = null;
    const after: ShellNode[] = [];
    for (const r of nodes) {
      if (r.type === "heredoc_redirect") {
        const body = r.namedChildren.find((c) => c.type === "heredoc_body");
        input = { kind: "literal", text: body?.text ?? "" };
        if (body) {
          this.substitutionsIn(body, st, depth);
          // tree-sitter parses `$(cmd)` in an unquoted heredoc's body but leaves `cmd` in backquotes as
          // text; bash runs both. A quoted delimiter (<<'EOF', <<"EOF", <<\EOF) keeps the body literal.
          const start = r.namedChildren.find((c) => c.type === "heredoc_start")?.text ?? "";
          if (!/['"\\]/.test(start)) {
            for (const m of body.text.matchAll(/(?<!\\)`((?:\\.|[^`\\])*)`/g)) this.script(m[1], copyState(st), NONE, depth + 1);
          }
        }
        for (const c of r.namedChildren) if (c && !["heredoc_start", "heredoc_body", "heredoc_end"].includes(c.type)) after.push(c);
      } else if (r.type === "herestring_redirect") {
        const w = r.namedChildren[0] ? this.word(r.namedChildren[0], st, depth, false) : null;
        input = w?.values?.length === 1 ? { kind: "literal", text: w.values[0] } : w?.download ? DOWNLOAD : DATA;
      } else if (r.type === "file_redirect") {
        const op = r.children.find((c) => c && !c.isNamed)?.type ?? ">";
        const dest = r.childForFieldName("destination");
        if (!dest) continue;
        if (/^[<]&?$/.test(op) || op === "<&-") {
          const w = this.word(dest, st, depth);
          const p = w.values?.[0];
          const abs = p === undefined ? null : p.startsWith("/") ? normaliseAbs(p) : st.cwd ? joinPath(st.cwd, p) : null;
          const seen = abs ? this.literalFiles.get(abs) : undefined;
          input = abs && this.downloaded.has(abs) ? DOWNLOAD : seen !== undefined ? { kind: "literal", text: seen } : DATA;
          if (abs) this.readPath(abs);
          continue;
        }
        if (!writes || (op.endsWith("&") && /^\d+$|^-$/.test(dest.text))) continue; // fd duplication: 2>&1, >&-
        const w = this.word(dest, st, depth);
        this.fileArg(
          { v: w.values?.length === 1 ? w.values[0] : null, glob: false, why: w.unknown, download: false },
          "write",
          false,
          st.cwd,
          null,
          text,
        );
      } else this.substitutionsIn(r, st, depth);
    }
    return { input, after };
  }

  /** A recursive read of `abs`: the home directory (or above) holds secret locations. */
  private readTree(abs: string | null): void {
    if (abs && isUnder(this.env.home, abs)) this.effects.reads.push(classify(`${this.env.home}/.ssh`, this.env));
  }

  /** Downloaded on this line: the file itself, a glob matching it, or a path inside a cloned tree. */
  private isDownloaded(abs: string): boolean {
    if (this.downloaded.has(abs)) return true;
    if ([...this.downloadedTrees].some((t) => isUnder(abs, t))) return true;
    if (!/[*?[]/.test(abs)) return false;
    const re = new RegExp(
      `^${abs
        .replace(/[.+^${}()|\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")
        .replace(/\[!/g, "[^")}$`,
    );
    return [...this.downloaded].some((d) => re.test(d)) || [...this.downloadedTrees].some((t) => re.test(t) || abs.startsWith(`${t}/`));
  }

  private readPath(abs: string): void {
    for (const c of worstCases(abs)) {
      const p = classify(c, this.env);
      if (p.secret) this.effects.reads.push(p);
    }
  }

  /** Record a file effect of `c` (or of the line when c is null); an unresolvable path is opaque. */
  private fileArg(a: Arg, op: FileOp, recursive: boolean, cwd: string | null, c: CommandEffect | null, text: string): ResolvedPath | null {
    const verb = { write: "writes", delete: "deletes", link: "links", chmod: "changes permissions of" }[op];
    if (a.v === null || (!a.v.startsWith("/") && cwd === null)) {
      const why = a.v === null ? `a path it cannot resolve (${a.why ?? "unknown"})` : `${a.v} after a directory change it cannot follow`;
      if (c) c.opaque.push(`${verb} ${why}`);
      else this.opaque(`${verb} ${why}`, text);
      return null;
    }
    if (/^\/dev\/(null|stdout|stderr|tty|fd\/\d+)$/.test(a.v)) return null;
    const abs = a.v.startsWith("/") ? normaliseAbs(a.v) : joinPath(cwd!, a.v);
    const [path, ...others] = worstCases(abs).map((p) => classify(p, this.env));
    this.effects.files.push({ op, path, recursive });
    for (const o of others) this.effects.files.push({ op, path: o, recursive });
    // Deleting, moving or chmod'ing the repo (or a folder above it) recursively takes its .git and .claude along.
    if (recursive && op !== "write" && op !== "link" && isUnder(this.env.repo_dir, abs) && !isRootLike(abs, this.env)) {
      for (const inside of [".git", ".claude"])
        this.effects.files.push({ op, path: classify(`${this.env.repo_dir}/${inside}`, this.env), recursive });
    }
    if (c && op === "delete" && recursive) {
      const target = /[*?[]/.test(basename(abs)) ? normaliseAbs(`${abs}/..`) : abs;
      if (isRootLike(target, this.env)) c.deletes_root = true;
    }
    if (c && op === "chmod" && recursive && isRootLike(/[*?[]/.test(basename(abs)) ? normaliseAbs(`${abs}/..`) : abs, this.env))
      c.chmod_root = true;
    if (path.device && c) c.device_write = true;
    return path;
  }

  private command(n: ShellNode, st: State, stdin: Flow, depth: number): Flow {
    const nameNode = n.childForFieldName("name");
    const redirects: ShellNode[] = [];
    const argNodes: ShellNode[] = [];
    for (const c of n.namedChildren) {
      if (c === nameNode) continue;
      if (c.type === "variable_assignment")
        this.assign(c, copyState(st), depth); // env for this command only; its substitutions run
      else if (c.field === "redirect" || c.type.endsWith("_redirect")) redirects.push(c);
      else argNodes.push(c);
    }
    const { input, after } = this.redirects(redirects, st, depth, n.text);
    const flowIn = input ?? stdin;
    const nameWordNode = nameNode?.namedChildren[0] ?? nameNode;
    const name = nameWordNode ? this.word(nameWordNode, st, depth) : null;
    const args: Arg[] = argNodes.map((a) => {
      const w = this.word(a, st, depth);
      const values = w.values;
      return {
        v: values?.length === 1 ? values[0] : null,
        raw: a.text,
        glob: w.glob,
        why: w.unknown,
        download: !!w.download,
        values,
      } as Arg & { values: string[] | null };
    });
    if (!name) return NONE;
    if (name.values === null) {
      const c = this.newCommand(n.text.slice(0, 500), "");
      c.opaque.push(`the command name comes from ${name.unknown ?? "an expansion"}`);
      if (name.download) c.remote_code.push("runs a command named by downloaded data");
      return DATA;
    }
    // Several candidate values (a for-loop variable): check each combination, within a bound.
    const lists = [name.values, ...args.map((a) => (a as Arg & { values: string[] | null }).values ?? [null])] as (string | null)[][];
    let combos: (string | null)[][] = [[]];
    for (const l of lists) {
      combos = combos.flatMap((c) => l.map((v) => [...c, v]));
      if (combos.length > MAX_EXPANSIONS) break;
    }
    if (combos.length > MAX_EXPANSIONS) {
      const c = this.newCommand(n.text.slice(0, 500), "");
      c.opaque.push("its words expand to too many combinations to check");
      return DATA;
    }
    let out: Flow = NONE;
    for (const combo of combos) {
      const argv: Arg[] = combo.map((v, i) =>
        i === 0 ? { v, glob: false, why: null, download: false } : { ...args[i - 1], v: v ?? null },
      );
      const before = this.effects.commands.length;
      out = merge(out, this.argv(argv, st, flowIn, depth, n.text));
      if (name.expanded) {
        const c = this.effects.commands[before] ?? this.newCommand(n.text.slice(0, 500), "");
        c.opaque.push(`the command name comes from an expansion (${nameWordNode?.text.slice(0, 60)})`);
      }
    }
    this.markOutputs(redirects, st, out);
    return this.afterHeredoc(after, st, out, depth);
  }

  /** tree-sitter-bash nests what follows a heredoc's start line (`cat <<EOF | psql`) inside the redirect: run it after. */
  private afterHeredoc(after: ShellNode[], st: State, out: Flow, depth: number): Flow {
    let flow = out;
    for (const a of after) {
      flow = a.type === "pipeline" ? this.pipeline(a.namedChildren, st, flow, depth) : this.stmt(a, st, NONE, depth);
    }
    return flow;
  }

  /** A file a download or literal text was redirected into (`curl x > i.sh`, `echo '...' > x.sql`) is remembered as such. */
  private markOutputs(redirects: ShellNode[], st: State, out: Flow): void {
    if (out.kind === "none" || (out.kind === "data" && !out.download)) return;
    for (const r of redirects) {
      if (r.type !== "file_redirect") continue;
      const op = r.children.find((c) => c && !c.isNamed)?.type ?? ">";
      const dest = r.childForFieldName("destination");
      if (!dest || op.startsWith("<")) continue;
      const p = this.word(dest, st, 0).values;
      if (p?.length !== 1 || (!p[0].startsWith("/") && !st.cwd)) continue;
      const abs = p[0].startsWith("/") ? normaliseAbs(p[0]) : joinPath(st.cwd!, p[0]);
      if (out.kind === "data") this.downloaded.add(abs);
      else this.literalFiles.set(abs, op === ">>" ? `${this.literalFiles.get(abs) ?? ""}\n${out.text}` : out.text);
    }
  }

  /** One concrete command: wrappers unwrapped, then what the program does with its arguments. */
  private argv(argvIn: Arg[], st: State, stdin: Flow, depth: number, source: string): Flow {
    let a = argvIn;
    let cwd = st.cwd;
    let extraArgsUnknown = false;
    const lit = (v: string): Arg => ({ v, glob: false, why: null, download: false });
    for (let guard = 0; guard < 12 && a.length; guard++) {
      while (a.length && a[0].v !== null && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a[0].v)) a = a.slice(1);
      const prog = basename(a[0]?.v ?? "");
      const withValue = WRAPPERS[prog];
      if (!withValue) break;
      if ((prog === "command" || prog === "type") && a.slice(1).some((w) => w.v === "-v" || w.v === "-V")) break;
      const opts = parseOptions(a, 1, withValue, prog === "env");
      if (opts.unknown) return this.unseen(source, `${prog} with an option it cannot see (${opts.unknown})`);
      // An option the gate does not know may take the next word as its value (`stdbuf --foo L rm ...`):
      // check the reading where it does, too.
      if (opts.lastTookNoValue && opts.end < a.length - 1 && guard < 4 && depth < MAX_DEPTH)
        this.argv([...a.slice(0, opts.end), ...a.slice(opts.end + 1)], st, stdin, depth + 1, source);
      // Files the wrapper itself writes or reads: `strace -o f`, `time -o f`, `parallel --joblog f`, `xargs -a f`, `script f`, `flock f`.
      for (const f of ["-o", "--output", "--joblog", "--results"]) {
        const v = opts.values.get(f);
        if (v !== undefined && ["strace", "ltrace", "time", "parallel"].includes(prog))
          this.fileArg({ v, glob: false, why: "an output path it cannot see", download: false }, "write", false, cwd, null, source);
      }
      for (const f of ["-a", "--arg-file"]) {
        const v = opts.values.get(f);
        const abs = v ? (v.startsWith("/") ? normaliseAbs(v) : cwd && joinPath(cwd, v)) : null;
        if (abs) this.readPath(abs);
      }
      const rest = a.slice(opts.end);
      const value = (...names: string[]) => names.map((n) => opts.values.get(n)).find((v) => v !== undefined);
      if (
        (prog === "sudo" || prog === "doas") &&
        (opts.flags.has("-s") || opts.flags.has("-i") || opts.flags.has("--shell") || opts.flags.has("--login"))
      ) {
        // `sudo -s cmd args` runs `$SHELL -c 'cmd args'`; without a command the shell reads stdin.
        if (rest.length === 0) a = [lit("sh")];
        else if (rest.every((w) => w.v !== null)) a = [lit("sh"), lit("-c"), lit(rest.map((w) => w.v).join(" "))];
        else return this.unseen(source, `${prog} -s runs a command it cannot see`);
        break;
      }
      if ((prog === "flock" || prog === "script") && value("-c", "--command") !== undefined) {
        const cmd = value("-c", "--command");
        if (cmd === null) return this.unseen(source, `${prog} -c runs a command it cannot see`);
        if (rest[0]) this.fileArg(rest[0], "write", false, cwd, null, source); // script's typescript, flock's lock file
        a = [lit("sh"), lit("-c"), lit(cmd!)];
        break;
      }
      if (prog === "script") {
        // A typescript recorder without -c starts an interactive shell; its operand is the file it writes.
        if (rest[0]) this.fileArg(rest[0], "write", false, cwd, null, source);
        return NONE;
      }
      if (prog === "flock" && rest[0]) this.fileArg(rest[0], "write", false, cwd, null, source);
      const split = value("-S", "--split-string");
      if (prog === "env" && split !== undefined) {
        // env -S 'cmd args': one string split into the command's words.
        if (split === null) return this.unseen(source, "env -S with a string it cannot see");
        a = [lit("env"), ...split.split(/\s+/).filter(Boolean).map(lit), ...rest];
        continue;
      }
      const chdir = value("-C", "--chdir", "-D", "-w", "--wd");
      if (chdir !== undefined && ["env", "sudo", "setpriv", "unshare", "nsenter"].includes(prog)) {
        cwd = chdir === null ? null : chdir.startsWith("/") ? normaliseAbs(chdir) : cwd && joinPath(cwd, chdir);
      }
      if (prog === "chroot" || value("-R", "--chroot") !== undefined) cwd = null; // another root: no path here means what it says
      if (prog === "xargs" || prog === "parallel") {
        extraArgsUnknown = true;
        // -I X / -i / --replace: X in the command stands for input the gate cannot see.
        const token =
          value("-I", "--replace") ?? (opts.flags.has("-i") || opts.flags.has("--replace") ? "{}" : prog === "parallel" ? "{}" : null);
        if (token) a = [a[0], ...a.slice(1).map((w) => (w.v?.includes(token) ? { ...w, v: null, why: `${prog} input` } : w))];
      }
      let i = opts.end;
      while (prog === "env" && i < a.length && a[i].v !== null && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a[i].v!)) i++;
      i += Math.min(WRAPPER_POSITIONAL[prog] ?? 0, a.length - i);
      a = a.slice(i);
      if (prog === "parallel") {
        const sep = a.findIndex((w) => w.v === ":::" || w.v === "::::");
        if (sep !== -1) a = a.slice(0, sep);
      }
    }
    if (!a.length) return NONE;
    if (a[0].v === null) {
      const c = this.newCommand(source.slice(0, 500), "");
      c.opaque.push(`the command name comes from ${a[0].why ?? "an expansion"}`);
      if (a[0].download) c.remote_code.push("runs a command named by downloaded data");
      return DATA;
    }
    const prog0 = a[0].v;
    if (st.functions.has(prog0) || st.aliases.has(prog0)) {
      const c = this.newCommand(source.slice(0, 500), prog0);
      c.opaque.push(`calls ${prog0}, a function or alias defined in the same command`);
      return DATA;
    }
    return this.program(a, st, cwd, stdin, depth, source, extraArgsUnknown);
  }

  private unseen(source: string, why: string): Flow {
    this.opaque(why, source.slice(0, 500));
    return DATA;
  }

  /** `cwd` is where this command runs (a wrapper such as `env -C` may move it); `st` is the shell's state. */
  private program(a: Arg[], st: State, cwd: string | null, stdin: Flow, depth: number, source: string, extraArgsUnknown: boolean): Flow {
    const filesBefore = this.effects.files.length;
    const commandsBefore = this.effects.commands.length;
    const out = this.programBody(a, st, cwd, stdin, depth, source, extraArgsUnknown);
    const c = this.effects.commands[commandsBefore];
    const program = c?.program ?? "";
    const resolve = (p: string) => (p.startsWith("/") ? normaliseAbs(p) : cwd ? joinPath(cwd, p) : null);
    const downloaded = (p: string) => {
      const abs = resolve(p);
      return abs !== null && this.isDownloaded(abs);
    };
    // Whatever this command wrote from a download (`| dd of=f`, `| sponge f`, `| cp /dev/stdin f`) is downloaded too.
    for (const f of this.effects.files.slice(filesBefore)) {
      if (f.op !== "write") continue;
      if (stdin.kind === "data" && stdin.download) this.downloaded.add(f.path.abs);
      if (stdin.kind === "literal" && ["tee", "sponge", "dd", "cp", "install"].includes(program))
        this.literalFiles.set(f.path.abs, stdin.text);
    }
    if (!c) return out;
    // Build tools run files from their directory: a Makefile or package.json downloaded here runs too.
    if (IMPLICIT_RUNNERS.has(program) && cwd && [...this.downloaded].some((d) => isUnder(d, cwd) && IMPLICIT_FILES.test(basename(d))))
      c.remote_code.push(`${program} runs build files downloaded on the same line`);
    if (EXECUTORS.test(program)) {
      for (let i = 1; i < a.length; i++) {
        const v = a[i].v;
        if (v === null) continue;
        const f = /^-[A-Za-z]*f(.*)$/.exec(v);
        const target = f ? f[1] || a[i + 1]?.v || "" : v.startsWith("-") ? "" : v;
        if (target && downloaded(target)) {
          c.remote_code.push(`${program} reads code downloaded on the same line`);
          break;
        }
      }
    }
    return out;
  }

  private programBody(
    a: Arg[],
    st: State,
    cwd: string | null,
    stdin: Flow,
    depth: number,
    source: string,
    extraArgsUnknown: boolean,
  ): Flow {
    const words = a.map((w) => w.v ?? "$?");
    const program = basename(words[0]);
    const rest = a.slice(1);
    const c = this.newCommand(words.join(" "), program);
    const { flags, args } = splitFlags(rest);
    c.flags = flags;
    c.args = args.map((w) => w.v ?? "$?");
    const lit = (w: Arg | undefined) => w?.v ?? null;
    const resolveAbs = (p: string) => (p.startsWith("/") ? normaliseAbs(p) : cwd ? joinPath(cwd, p) : null);
    const isDownloaded = (w: Arg | undefined) => {
      const p = lit(w);
      const abs = p === null ? null : resolveAbs(p);
      return abs !== null && this.isDownloaded(abs);
    };
    const runScript = (text: string, input: Flow = NONE) => this.script(text, { ...copyState(st), cwd }, input, depth + 1);
    // eval and source run in this shell: their cd and assignments stay.
    const runShared = (text: string, input: Flow = NONE) => {
      st.cwd = cwd;
      return this.script(text, st, input, depth + 1);
    };
    const literalOf = (p: string) => this.literalFiles.get(resolveAbs(p) ?? "");
    const stdinPath = (v: string | null) => v === "-" || v === "/dev/stdin" || v === "/dev/fd/0" || v === "/proc/self/fd/0";
    const shellFromStdin = (who: string, shared = false) => {
      if (stdin.kind === "literal") (shared ? runShared : runScript)(stdin.text);
      else if (stdin.kind === "data" && stdin.download) c.remote_code.push(`${who} runs a downloaded script`);
      else if (stdin.kind === "data") c.opaque.push(`${who} reads its script from standard input`);
    };
    let out: Flow = stdin.kind === "data" && stdin.download ? DOWNLOAD : DATA;

    // Secrets read by any command: any word that names a path into ~/.ssh, ~/.aws, ... (`-d @file`,
    // `--key=file`, `file://...` too), globs by the worst name they can match.
    for (const w of rest) {
      if (w.v === null) continue;
      for (const v of new Set([
        w.v,
        w.v.slice(w.v.indexOf("=") + 1),
        w.v.replace(/^@/, ""),
        w.v.slice(w.v.indexOf("@") + 1),
        w.v.replace(/^file:\/\//, ""),
      ])) {
        const abs = v && !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? resolveAbs(v) : null;
        if (abs) this.readPath(abs);
      }
    }
    for (const w of rest)
      if (w.v === null && w.raw && SECRET_TEXT.test(w.raw.replace(/["']/g, "")))
        this.effects.reads.push(classify(`${this.env.home}/.ssh`, this.env));
    // Recursive readers of the home directory (or /) read its secrets too.
    if (
      ["rsync", "scp", "find", "rg", "ag", "tar", "zip"].includes(program) ||
      (!["ls", "du", "rm", "chmod", "chown", "chgrp", "setfacl", "mkdir"].includes(program) && recursiveFlag(rest))
    ) {
      for (const w of args) if (w.v !== null) this.readTree(resolveAbs(w.v));
    }

    // Running a file this same line downloaded, or wrote with text the gate has seen.
    if (words[0].includes("/") && isDownloaded(a[0])) c.remote_code.push(`runs ${words[0]}, downloaded on the same line`);
    if (words[0].includes("/") && literalOf(words[0]) !== undefined) runScript(literalOf(words[0])!);

    // `nohup { rm -rf /; }`: a keyword where a command should be; bash and the parser may disagree.
    if (KEYWORDS.has(program)) c.opaque.push(`a shell keyword (${program}) where a command name should be`);
    const interp = interpreterOf(program);
    if (SHELLS.has(program) || (interp === null && program === "busybox")) {
      let cFlag = false;
      let sFlag = false;
      let i = 0;
      for (; i < rest.length; i++) {
        const w = rest[i].v;
        if (w === null) break;
        if (w === "--") {
          i++;
          break;
        }
        if (w === "-o" || w === "+o" || w === "-O" || w === "+O" || w === "--rcfile" || w === "--init-file") i++;
        else if (/^[-+][A-Za-z]+$/.test(w)) {
          cFlag ||= w.slice(1).includes("c");
          sFlag ||= w.slice(1).includes("s");
        } else if (w === "-") {
          sFlag = true;
          i++;
          break;
        } else if (!w.startsWith("--")) break;
      }
      const target = sFlag || stdinPath(rest[i]?.v ?? null) ? undefined : rest[i];
      if (cFlag) {
        if (!target) c.opaque.push(`${program} -c without a script`);
        else if (target.v !== null) runScript(target.v);
        else {
          c.opaque.push(`${program} runs a script built from ${target.why ?? "an expansion"}`);
          if (target.download) c.remote_code.push(`${program} runs a downloaded script`);
        }
      } else if (target) {
        if (target.v === null) {
          c.opaque.push(`${program} reads its script from ${target.why ?? "something it cannot see"}`);
          if (target.download) c.remote_code.push(`${program} runs a downloaded script`);
        } else if (isDownloaded(target)) c.remote_code.push(`${program} runs ${target.v}, downloaded on the same line`);
        else if (target.v !== null && this.literalFiles.has(resolveAbs(target.v) ?? ""))
          runScript(this.literalFiles.get(resolveAbs(target.v)!)!);
      } else shellFromStdin(program);
      return out;
    }
    if (SU.has(program)) {
      const i = rest.findIndex((w) => w.v === "-c" || w.v === "--command" || (w.v?.startsWith("--command=") ?? false));
      if (i === -1) shellFromStdin(program);
      else {
        const s = rest[i].v!.startsWith("--command=") ? rest[i].v!.slice(10) : lit(rest[i + 1]);
        if (s === null) c.opaque.push(`${program} -c with a command it cannot see`);
        else runScript(s);
      }
      return out;
    }
    if (program === "trap") {
      // `trap 'cmd' EXIT`: the handler runs later in this shell; check it as if it ran now.
      const handler = rest.find((w) => w.v !== "--" && !/^-[lp]$/.test(w.v ?? ""));
      if (handler?.v === null) c.opaque.push(`trap runs ${handler.why ?? "a handler it cannot see"}`);
      else if (handler && handler.v !== "-" && rest.length > 1) runScript(handler.v);
      return out;
    }
    if (program === "eval") {
      if (rest[0]?.v === "--") rest.shift();
      if (rest.every((w) => w.v !== null)) runShared(rest.map((w) => w.v).join(" "));
      else {
        c.opaque.push(`eval of ${rest.find((w) => w.v === null)?.why ?? "a value it cannot see"}`);
        if (rest.some((w) => w.download)) c.remote_code.push("eval runs downloaded code");
      }
      return out;
    }
    if (program === "source" || program === ".") {
      const f = rest[0];
      if (f && stdinPath(f.v)) shellFromStdin(program, true);
      else if (f && f.v === null) {
        c.opaque.push(`${program} reads a script from ${f.why ?? "something it cannot see"}`);
        if (f.download) c.remote_code.push(`${program} runs downloaded code`);
      } else if (isDownloaded(f)) c.remote_code.push(`${program} runs ${f?.v}, downloaded on the same line`);
      else if (f?.v && literalOf(f.v) !== undefined) runShared(literalOf(f.v)!);
      return out;
    }
    if (program === "watch") {
      const i = rest.findIndex((w) => w.v !== null && !w.v.startsWith("-") && !/^\d+(\.\d+)?$/.test(w.v));
      if (i !== -1 && rest.slice(i).every((w) => w.v !== null))
        runScript(
          rest
            .slice(i)
            .map((w) => w.v)
            .join(" "),
        );
      else if (i !== -1) c.opaque.push("watch runs a command it cannot see");
      return out;
    }
    if (program === "alias") {
      for (const w of rest) {
        const m = w.v === null ? null : /^([^=]+)=(.*)$/s.exec(w.v);
        if (!m) continue;
        st.aliases.add(m[1]);
        runScript(m[2]);
      }
      c.read_only_safe = true;
      return NONE;
    }
    if (program === "cd" || program === "pushd" || program === "popd") {
      const d = rest.find((w) => w.v === null || !w.v.startsWith("-"));
      const old = st.cwd;
      if (program === "popd" || (d && (d.v === null || d.v === "-"))) st.cwd = null;
      else st.cwd = d ? resolveAbs(d.v!) : this.env.home;
      st.vars.set("OLDPWD", old ? [old] : null);
      c.read_only_safe = true;
      return NONE;
    }
    if (program === "read" || program === "mapfile" || program === "readarray") {
      for (const w of rest) if (w.v && /^[A-Za-z_]\w*$/.test(w.v)) st.vars.set(w.v, null);
      c.read_only_safe = true;
      return NONE;
    }
    if (interp) {
      const inline = INLINE_CODE[interp];
      // Inline code by flag, also clustered or with the code attached (`-c'...'`, `-pe`, `-M'X;code'`).
      const short: Record<string, RegExp> = {
        python: /^-[A-Za-z]*c/,
        pypy: /^-[A-Za-z]*c/,
        perl: /^-[A-Za-z]*[eE]|^-M.*[^\w:=,.-]/,
        ruby: /^-[A-Za-z]*e/,
        node: /^-[A-Za-z]*[ep]/,
        nodejs: /^-[A-Za-z]*[ep]/,
        bun: /^-[A-Za-z]*[ep]/,
        php: /^-[A-Za-z]*r/,
        lua: /^-[A-Za-z]*e/,
      };
      const hasInline =
        rest.some((w) => w.v !== null && inline.includes(w.v.toLowerCase())) ||
        rest.some((w) => w.v !== null && inline.some((f) => f.startsWith("--") && w.v!.startsWith(`${f}=`))) ||
        rest.some((w) => w.v !== null && !w.v.startsWith("--") && (short[interp]?.test(w.v) ?? false));
      if (rest.length > 0 && rest.every((w) => w.v !== null && /^(--version|-V|-v|--help|-h)$/.test(w.v))) {
        c.read_only_safe = true;
        return out;
      }
      if (interp === "awk" || interp === "gawk") {
        const o = parseOptions(rest, 0, [
          "-v",
          "-F",
          "-f",
          "-i",
          "-e",
          "-l",
          "--source",
          "--include",
          "--file",
          "--assign",
          "--field-separator",
          "--load",
        ]);
        const progText =
          o.values.get("-e") ??
          o.values.get("--source") ??
          (o.values.has("-f") || o.values.has("--file") ? undefined : (rest[o.end]?.v ?? null));
        if (o.unknown || progText === null) c.opaque.push(`${program} runs a program it cannot see`);
        else if (o.values.has("-i") || o.values.has("--include") || o.values.has("-l") || o.values.has("--load"))
          c.opaque.push(`${program} loads an extension (-i/-l), e.g. inplace editing`);
        else if (progText !== undefined && /system\s*\(|\|\s*getline|\|\s*"|print[^;}]*[>|]|printf[^;}]*[>|]/.test(progText))
          c.opaque.push(`${program} runs a program that starts commands or writes files`);
        else c.read_only_safe = progText !== undefined;
        return out;
      }
      if ((interp === "deno" || interp === "bun") && rest.some((w) => w.v !== null && /^(https?|npm|jsr):/.test(w.v)))
        c.remote_code.push(`${program} runs code fetched from a URL or registry`);
      // `python -m http.server -d DIR` serves DIR to whoever connects.
      if (interp === "python" && rest.some((w) => w.v === "http.server")) {
        const dir = optionValue(rest, ["-d", "--directory"]);
        this.readTree(dir === null ? cwd : resolveAbs(dir.startsWith("~") ? `${this.env.home}${dir.slice(1)}` : dir));
      }
      if (hasInline) {
        c.opaque.push(`runs inline ${interp} code`);
        if (rest.some((w) => w.download)) c.remote_code.push(`${program} runs downloaded code`);
        return out;
      }
      const script = rest.find((w) => w.v === null || !w.v.startsWith("-"));
      if (script?.v && literalOf(script.v) !== undefined) c.opaque.push(`runs ${interp} code written on the same line`);
      if (script && script.v === null) {
        c.opaque.push(`${program} runs ${script.why ?? "a script it cannot see"}`);
        if (script.download) c.remote_code.push(`${program} runs downloaded code`);
      } else if (script && script.v !== "-") {
        if (isDownloaded(script)) c.remote_code.push(`${program} runs ${script.v}, downloaded on the same line`);
      } else if (stdin.kind === "data" && stdin.download) c.remote_code.push(`${program} runs a downloaded script`);
      else if (stdin.kind !== "none") c.opaque.push(`runs inline ${interp} code from standard input`);
      return out;
    }
    if (DOWNLOADERS.has(program)) {
      out = DOWNLOAD;
      const urlBase = (() => {
        const u = args.map((w) => w.v).find((v) => v && /^[a-z]+:\/\//i.test(v));
        return u ? basename(u.split(/[?#]/)[0]) || "index.html" : "index.html";
      })();
      const record = (p: string | null) => {
        const r = this.fileArg(
          { v: p !== null && /#\d/.test(p) ? null : p, glob: false, why: "an output path it cannot see", download: false },
          "write",
          false,
          cwd,
          c,
          source,
        );
        if (r) this.downloaded.add(r.abs);
        out = DATA;
      };
      let wgetNamed = false;
      const dirOf = (names: string[]) => optionValue(rest, names);
      const outDir =
        program === "curl"
          ? optionValue(rest, ["--output-dir"], ["--output"])
          : program === "wget"
            ? dirOf(["-P", "--directory-prefix"])
            : program === "aria2c"
              ? dirOf(["-d", "--dir"])
              : null;
      const inDir = (f: string | null) => (f !== null && outDir && !f.startsWith("/") ? `${outDir}/${f}` : f);
      // Files written besides the download: headers, traces, cookies, logs.
      const sideFiles =
        program === "curl"
          ? [
              "-D",
              "--dump-header",
              "--trace",
              "--trace-ascii",
              "-c",
              "--cookie-jar",
              "--libcurl",
              "--stderr",
              "--etag-save",
              "--hsts",
              "--alt-svc",
            ]
          : program === "wget"
            ? ["-o", "--output-file", "-a", "--append-output", "--save-cookies", "--warc-file"]
            : [];
      for (const f of sideFiles) {
        const v = optionValue(rest, [f]);
        if (v !== null) this.fileArg({ v, glob: false, why: null, download: false }, "write", false, cwd, c, source);
      }
      if (program === "aria2c") record(inDir(optionValue(rest, ["-o", "--out"]) ?? urlBase));
      const LONG = [
        "--output",
        "--output-dir",
        "--output-document",
        "--remote-name",
        "--remote-name-all",
        "--remote-header-name",
        "--config",
        "--directory-prefix",
        "--recursive",
        "--mirror",
        "--input-file",
        "--base",
      ];
      for (let i = 0; i < rest.length; i++) {
        const raw = rest[i].v;
        if (raw === null) continue;
        const eq = raw.indexOf("=");
        const w = raw.startsWith("--") ? expandLong(eq === -1 ? raw : raw.slice(0, eq), LONG) + (eq === -1 ? "" : raw.slice(eq)) : raw;
        // Short options cluster: `-sSLo file`, `-qO-` (the value follows the letter, or is the next word).
        const short = (letter: string) => new RegExp(`^-[A-Za-z]*${letter}(.*)$`).exec(w);
        const curlOut = program === "curl" ? short("o") : null;
        const wgetOut = program === "wget" ? short("O") : null;
        if (program === "curl" && (w === "-K" || w.startsWith("--config") || /^-[A-Za-z]*J/.test(w) || w === "--remote-header-name"))
          record(null); // names it cannot see: a config file, the server's own file name
        else if (program === "wget" && /^(-[A-Za-z]*[rimB]|--(recursive|mirror|input-file|base)(=|$))/.test(w))
          record(null); // wget names what it fetches itself
        else if (program === "curl" && w.startsWith("--output=")) record(inDir(w.slice(9)));
        else if (program === "curl" && w === "--remote-name-all")
          for (const u of args.map((x) => x.v).filter((v): v is string => !!v && /^[a-z]+:\/\//i.test(v)))
            record(inDir(basename(u.split(/[?#]/)[0])));
        else if (program === "curl" && w === "--output") record(inDir(lit(rest[++i])));
        else if (curlOut && !/^-[A-Za-z]*[DcK]/.test(w)) record(inDir(curlOut[1] || lit(rest[++i])));
        else if (program === "curl" && (w === "--remote-name" || short("O"))) record(inDir(urlBase));
        else if (program === "wget" && (wgetOut || w === "--output-document" || w.startsWith("--output-document="))) {
          const f = w.startsWith("--output-document=") ? w.slice(18) : wgetOut?.[1] || lit(rest[++i]);
          wgetNamed = true;
          if (f === "-") out = DOWNLOAD;
          else record(f);
        }
      }
      if (program === "wget" && !wgetNamed) {
        record(inDir(urlBase));
        const u = args.map((x) => x.v).find((v) => v && /^[a-z]+:\/\//i.test(v));
        if (u && /[?]/.test(u)) this.downloaded.add(resolveAbs(inDir(basename(u)) ?? "") ?? ""); // wget keeps the query in the name
      }
      c.read_only_safe = false;
      return out;
    }
    const db = DB_CLIENTS[program];
    if (db && (!db.sub || rest[0]?.v === db.sub)) {
      const sql: string[] = [];
      for (let i = 0; i < rest.length; i++) {
        const w = rest[i].v;
        if (w === null) continue;
        // `-c SQL`, `-cSQL`, `-Xqc SQL`, `--command=SQL`, `--comm=SQL`; psql variables (`-v x='...'`) may be interpolated into it.
        const flags = [...db.flags, "-v", "--set", "--variable"];
        let value: string | null | undefined;
        if (w.startsWith("--")) {
          const eq = w.indexOf("=");
          const name = expandLong(eq === -1 ? w : w.slice(0, eq), flags);
          if (flags.includes(name)) value = eq === -1 ? lit(rest[++i]) : w.slice(eq + 1);
        } else if (w.startsWith("-")) {
          const letter = flags
            .filter((f) => /^-[A-Za-z]$/.test(f))
            .map((f) => f[1])
            .find((l) => new RegExp(`^-[A-Za-z]*${l}`).test(w));
          if (letter) {
            const attached = w.slice(w.indexOf(letter, 1) + 1);
            value = attached || lit(rest[++i]);
          }
          const file = w === "-f" || w === "--file" ? lit(rest[i + 1]) : null;
          if (file !== null && literalOf(file) !== undefined) sql.push(literalOf(file)!);
        }
        if (value === null) c.opaque.push(`${program} receives SQL the gate cannot see`);
        else if (value !== undefined) sql.push(value);
      }
      if (db.positionalSql !== undefined) {
        const positional = args.map((w) => w.v).filter((v): v is string => v !== null);
        sql.push(...positional.slice(db.positionalSql));
      }
      if (stdin.kind === "literal") sql.push(stdin.text);
      // Client-side includes (`\i f`, `source f`, `.read f`) read SQL from a file: from one written on this line, or unseen.
      for (const m of sql.join("\n").matchAll(/(?:\\i|\\include|\bsource|\.read)\s+(\S+)/gi)) {
        const seen = literalOf(m[1].replace(/[;'"]/g, ""));
        if (seen !== undefined) sql.push(seen);
        else c.opaque.push(`${program} reads SQL from ${m[1]}`);
      }
      c.sql = normaliseSql(sql.join(" ; "));
      return out;
    }
    if (
      program === "shopt" &&
      rest.some((w) => w.v === "-s") &&
      rest.some(
        (w) =>
          w.v === null ||
          /^(lastpipe|dotglob|nocaseglob|nocasematch|expand_aliases|extdebug|failglob|nullglob|globskipdots|cdable_vars)$/.test(w.v),
      )
    ) {
      c.opaque.push("shopt changes how the rest of the line expands or runs");
      return out;
    }
    if (program === "printf" && rest.some((w) => w.v === "-v")) {
      const name = rest[rest.findIndex((w) => w.v === "-v") + 1]?.v;
      if (name) st.vars.set(name, null);
    }
    if (
      (program === "rg" || program === "ripgrep" || program === "ag") &&
      rest.some((w) => w.v === null || /^--(pre|pre-glob|hostname-bin|pager)(=|$)/.test(w.v))
    ) {
      c.opaque.push(`${program} runs a program given on the line (--pre, --hostname-bin, --pager)`);
      return out;
    }
    if (
      (program === "docker" || program === "podman") &&
      (rest[0]?.v === "run" || rest[0]?.v === "create" || (rest[0]?.v === "container" && rest[1]?.v === "run"))
    ) {
      // Bind mounts hand the container a host path: writes there are writes here, reads of secrets are reads.
      for (let i = 0; i < rest.length; i++) {
        const w = rest[i].v;
        if (w === null) continue;
        if (w === "--privileged" || w.startsWith("--cap-add") || w.startsWith("--pid=host") || w === "--pid" || w.startsWith("--device"))
          c.opaque.push(`${program} run ${w} gives the container the host`);
        const vol =
          w === "-v" || w === "--volume"
            ? rest[i + 1]?.v
            : w.startsWith("--volume=")
              ? w.slice(9)
              : w.startsWith("-v") && w.length > 2
                ? w.slice(2)
                : null;
        const mount = w === "--mount" ? rest[i + 1]?.v : w.startsWith("--mount=") ? w.slice(8) : null;
        const host =
          vol !== null && vol !== undefined ? vol.split(":")[0] : mount ? /(?:^|,)(?:source|src)=([^,]+)/.exec(mount)?.[1] : undefined;
        if (host === undefined) continue;
        const abs = host.startsWith("~") ? joinPath(this.env.home, host.slice(2)) : resolveAbs(host);
        if (abs) {
          this.readPath(abs);
          this.readTree(abs);
          this.fileArg({ v: abs, glob: false, why: null, download: false }, "write", true, cwd, c, source);
        } else if (host.includes("/")) c.opaque.push(`${program} run mounts a host path it cannot see`);
      }
      return out;
    }
    if (
      ((program === "docker" || program === "podman") && rest[0]?.v === "cp") ||
      ((program === "kubectl" || program === "oc") && rest[0]?.v === "cp")
    ) {
      const ops = args.slice(1).filter((w) => w.v === null || !w.v.startsWith("-"));
      const dest = ops[ops.length - 1];
      if (dest && (dest.v === null || !/^[^/]*:/.test(dest.v))) this.fileArg(dest, "write", true, cwd, c, source);
      for (const src of ops.slice(0, -1)) if (src.v && !/^[^/]*:/.test(src.v)) this.readTree(resolveAbs(src.v));
      return out;
    }
    const compose = (program === "docker" || program === "podman") && rest[0]?.v === "compose" ? 1 : program === "docker-compose" ? 0 : -1;
    if (
      ((program === "docker" || program === "podman" || program === "kubectl" || program === "oc") && rest[0]?.v === "exec") ||
      (compose !== -1 && rest[compose]?.v === "exec")
    ) {
      // The command inside the container: what it runs and sends (SQL) is checked; its paths are not ours.
      const dash = rest.findIndex((w) => w.v === "--");
      const o = parseOptions(rest, compose === -1 ? 1 : compose + 1, [
        "-e",
        "--env",
        "-u",
        "--user",
        "-w",
        "--workdir",
        "--env-file",
        "--detach-keys",
        "-c",
        "--container",
        "-n",
        "--namespace",
        "--index",
      ]);
      const inner = program === "kubectl" || program === "oc" ? (dash === -1 ? [] : rest.slice(dash + 1)) : rest.slice(o.end + 1);
      if (inner.length) this.argv(inner, { ...copyState(st), cwd: null }, stdin, depth + 1, source);
      return out;
    }
    if (program === "gh") {
      const [group, action] = [rest[0]?.v, rest[1]?.v];
      if (group === "repo" && action === "clone" && rest[2]?.v) {
        const abs = resolveAbs(rest[3]?.v ?? basename(rest[2].v));
        if (abs) this.downloadedTrees.add(abs);
      }
      const method = optionValue(rest, ["-X", "--method"]);
      if (
        group === "api" &&
        ((method && method.toUpperCase() !== "GET") ||
          rest.some((w) => w.v === null || /^(-f|-F|--field|--raw-field|--input)(=|$)/.test(w.v)))
      )
        c.opaque.push("gh api calls the GitHub API with a writing method");
      if (group === "pr" && action === "merge") c.git = pushTo([], true);
      if (
        (group === "repo" && ["delete", "archive", "rename", "edit"].includes(action ?? "")) ||
        ["secret", "variable", "ruleset", "auth", "ssh-key", "gpg-key"].includes(group ?? "")
      )
        c.opaque.push(`gh ${group} ${action ?? ""} changes settings the gate cannot see`.trim());
      return out;
    }
    if (DEVICE_TOOLS.test(program) || (program === "nvme" && /^(format|sanitize|write|write-zeroes)$/.test(rest[0]?.v ?? ""))) {
      c.device_write = true;
      return out;
    }
    if (program === "git") return this.git(a, c, { ...copyState(st), cwd }, depth, source);
    if (program === "find") return this.find(rest, c, { ...copyState(st), cwd }, depth, source);

    const paths = args;
    const destructive = (op: FileOp, list: Arg[], recursive: boolean) => {
      if (extraArgsUnknown) c.opaque.push(`${program} is handed paths from its input by xargs`);
      for (const p of list) this.fileArg(p, op, recursive, cwd, c, source);
    };
    // `--rec`, `--recu`: an abbreviation the program itself reads as --recursive.
    const recursive = flags.some((f) => RECURSIVE.has(f) || (f.length >= 4 && "--recursive".startsWith(f)));
    switch (program) {
      case "rm":
      case "unlink":
      case "rmdir":
      case "shred":
        destructive("delete", paths, program === "rm" && recursive);
        break;
      case "touch":
      case "mkdir":
      case "mkfifo":
      case "tee":
        destructive("write", paths, false);
        break;
      case "truncate":
        destructive("write", withoutValues(rest, ["-s", "--size", "-r", "--reference"]), false);
        break;
      case "mv":
      case "cp":
      case "install":
      case "rsync":
      case "scp":
      case "ln":
      case "link": {
        const o = gnuArgs(rest, COPY_VALUES[program] ?? []);
        if (o.unknown) c.opaque.push(`${program} with an option it cannot see (${o.unknown})`);
        if (program === "rsync" && ["-e", "--rsh", "--rsync-path"].some((f) => o.values.has(f)))
          c.opaque.push("rsync runs a remote shell command given on the line (-e / --rsync-path)");
        const linking =
          program === "ln" ||
          program === "link" ||
          (program === "cp" && ["-l", "-s", "--link", "--symbolic-link"].some((f) => o.flags.has(f)));
        const op: FileOp = linking ? "link" : "write";
        const targetDir = o.values.get("-t") ?? o.values.get("--target-directory");
        const list = o.positional;
        const sources = targetDir !== undefined ? list : list.slice(0, -1);
        const dest: Arg | undefined =
          targetDir !== undefined ? { v: targetDir, glob: false, why: null, download: false } : list[list.length - 1];
        const local = (w?: Arg) => !(program === "rsync" || program === "scp") || !/^[^/]*:/.test(w?.v ?? ""); // host:path is not here
        if (program === "mv" || o.flags.has("--remove-source-files")) destructive("delete", sources.filter(local), true);
        const rec = recursive || o.flags.has("-a") || o.flags.has("--archive");
        if (dest && local(dest)) {
          if (extraArgsUnknown) c.opaque.push(`${program} is handed paths from its input by xargs`);
          this.fileArg(dest, op, rec, cwd, c, source);
          // `cp x dir` writes dir/x when dir is a directory, which the gate cannot know: count both.
          for (const s of sources)
            if (s.v !== null && dest.v !== null)
              this.fileArg({ ...dest, v: `${dest.v}/${basename(s.v.replace(/\/+$/, ""))}` }, op, rec, cwd, c, source);
          for (const s of sources) {
            if (s.v === null || dest.v === null) continue;
            const [from, to] = [resolveAbs(s.v) ?? "", resolveAbs(dest.v) ?? ""];
            if (this.downloaded.has(from)) this.downloaded.add(to);
            if (this.literalFiles.has(from)) this.literalFiles.set(to, this.literalFiles.get(from)!);
          }
        }
        if (linking) {
          // A link to a protected place is a way to write there: count its target as written.
          // The link lands at dest (its directory is dest's parent), or inside dest when dest is a directory: both.
          const parentOf = (p: string) => (p.includes("/") ? p.replace(/\/+[^/]*\/*$/, "") || "/" : ".");
          const linkDirs: (string | null)[] = targetDir !== undefined ? [targetDir] : dest?.v ? [parentOf(dest.v), dest.v] : ["."];
          // A symbolic link's relative target is relative to the link's own directory; a hard link's to the cwd.
          const symbolic = o.flags.has("-s") || o.flags.has("--symbolic") || o.flags.has("--symbolic-link");
          for (const s of sources) {
            if (!(symbolic && s.v !== null && !s.v.startsWith("/"))) this.fileArg(s, "link", false, cwd, c, source);
            else for (const d of linkDirs) this.fileArg(s, "link", false, cwd && d !== null ? joinPath(cwd, d) : null, c, source);
          }
        }
        break;
      }
      case "sort":
      case "tree":
      case "yq": {
        const o = gnuArgs(
          rest,
          program === "sort"
            ? [
                "-o",
                "--output",
                "-k",
                "--key",
                "-t",
                "--field-separator",
                "-S",
                "--buffer-size",
                "-T",
                "--temporary-directory",
                "--parallel",
                "--files0-from",
                "--batch-size",
                "--compress-program",
              ]
            : program === "tree"
              ? ["-o", "-L", "-P", "-I", "--filelimit", "--timefmt", "--charset", "--sort"]
              : [],
        );
        const outFile = o.values.get("-o") ?? o.values.get("--output");
        if (outFile !== undefined)
          destructive("write", [{ v: outFile, glob: false, why: "an output path it cannot see", download: false }], false);
        if (program === "sort" && o.values.has("--compress-program")) c.opaque.push("sort --compress-program runs a program");
        if (program === "yq" && (o.flags.has("-i") || o.flags.has("--inplace"))) destructive("write", o.positional.slice(1), false);
        break;
      }
      case "uniq":
      case "xxd": {
        // `uniq in out`, `xxd [-r] in out`: a second operand is written.
        const o = gnuArgs(
          rest,
          program === "xxd"
            ? ["-c", "-g", "-l", "-s", "-o", "-n", "-C", "--cols", "--len", "--seek"]
            : ["-f", "-s", "-w", "--skip-fields", "--skip-chars", "--check-chars"],
        );
        if (o.positional[1]) destructive("write", [o.positional[1]], false);
        break;
      }
      case "sponge":
      case "split":
      case "csplit": {
        const o = gnuArgs(rest, [
          "-a",
          "-b",
          "-C",
          "-l",
          "-n",
          "-t",
          "-f",
          "--prefix",
          "--suffix-length",
          "--bytes",
          "--lines",
          "--number",
          "--filter",
          "--additional-suffix",
        ]);
        if (o.values.has("--filter")) c.opaque.push("split --filter runs a program");
        if (program === "sponge") destructive("write", o.positional, false);
        else
          destructive(
            "write",
            [
              {
                v: `${o.values.get("-f") ?? o.values.get("--prefix") ?? o.positional[1]?.v ?? "x"}*`,
                glob: true,
                why: null,
                download: false,
              },
            ],
            false,
          );
        break;
      }
      case "ed":
      case "ex":
      case "vi":
      case "vim":
      case "nvim":
      case "nano":
      case "emacs":
      case "crontab":
        c.opaque.push(`${program} changes files in ways the gate cannot see`);
        break;
      case "date":
        // `date -s X` and `date MMDDhhmm[YY]` set the clock; `date +FORMAT` and options only print.
        if (rest.some((w) => w.v === null || /^(-s|--set)/.test(w.v)) || args.some((w) => w.v !== null && !w.v.startsWith("+")))
          c.opaque.push("date sets the system clock");
        break;
      case "hostname":
      case "hostnamectl":
      case "sysctl":
      case "mount":
      case "umount":
      case "swapon":
      case "swapoff":
      case "iptables":
      case "systemctl":
      case "service":
      case "kill":
      case "pkill":
      case "killall":
      case "reboot":
      case "shutdown":
        if (program !== "hostname" || args.length > 0) c.opaque.push(`${program} changes the machine's state`);
        break;
      case "file":
        if (rest.some((w) => w.v === "-C" || w.v === "--compile"))
          destructive("write", [{ v: "./magic.mgc", glob: false, why: null, download: false }], false);
        break;
      case "npm":
      case "pnpm":
      case "yarn":
        if (rest[0]?.v === "config" && ["set", "edit", "delete"].includes(rest[1]?.v ?? ""))
          destructive("write", [{ v: `${this.env.home}/.npmrc`, glob: false, why: null, download: false }], false);
        if (["dlx", "exec", "x"].includes(rest[0]?.v ?? "") && program !== "npm")
          c.remote_code.push(`${program} ${rest[0]?.v} runs a package fetched from the registry`);
        // Listing and reading commands change nothing (read-only tasks may run them).
        if (
          ["ls", "list", "view", "info", "outdated", "why", "explain", "help", "--version", "-v", "audit"].includes(rest[0]?.v ?? "") &&
          !rest.some((w) => w.v === "fix")
        )
          c.read_only_safe = true;
        break;
      case "npx":
      case "bunx":
      case "uvx":
      case "pipx":
        // `npx pkg` runs a local bin when installed; with --yes or a URL it fetches and runs.
        if (
          program !== "npx" ||
          rest.some((w) => w.v === null || /^(-y|--yes|-p|--package)(=|$)/.test(w.v) || /^(https?:|git[+:]|github:)/.test(w.v))
        )
          c.remote_code.push(`${program} runs a package fetched from the registry`);
        break;
      case "dd":
        for (const w of rest) {
          if (w.v?.startsWith("of=")) this.fileArg({ ...w, v: w.v.slice(3) }, "write", false, cwd, c, source);
          if (w.v?.startsWith("if=")) {
            const abs = resolveAbs(w.v.slice(3));
            if (abs) this.readPath(abs);
          }
        }
        break;
      case "sed":
      case "perl": {
        if (program === "sed") {
          const o = parseOptions(rest, 0, ["-e", "-f", "--expression", "--file", "-l", "--line-length"]);
          const explicit = o.values.has("-e") || o.values.has("--expression") || o.values.has("-f") || o.values.has("--file");
          const scripts = [
            ...["-e", "--expression"].flatMap((f) => (o.values.has(f) ? [o.values.get(f) ?? null] : [])),
            ...(explicit ? [] : [rest.slice(o.end).find((w) => w.v === null || !w.v.startsWith("-"))?.v ?? ""]),
          ];
          if (scripts.some((t) => t === null || sedRunsOrWrites(t)))
            c.opaque.push("sed script runs commands or writes files (e, w, W, s///w, s///e)");
          if (o.values.has("-f") || o.values.has("--file")) c.opaque.push("sed reads its script from a file");
        }
        // -i edits the files in place, the same for sed and perl.
        const inPlace = rest.some(
          (w) => w.v !== null && (/^-[A-Za-z]*i/.test(w.v) || expandLong(w.v.split("=")[0], ["--in-place"]) === "--in-place"),
        );
        if (inPlace) {
          const explicit = rest.some((w) => w.v === "-e" || w.v === "-f" || w.v?.startsWith("--expression"));
          const files = withoutValues(rest, ["-e", "-f", "--expression", "--file", "-l"]);
          destructive("write", explicit ? files : files.slice(1), false);
        }
        break;
      }
      case "chmod":
      case "chown":
      case "chgrp":
      case "setfacl": {
        // `chmod -x f`: a mode may start with a dash; options are the letters chmod/chown take.
        const list = rest.filter((w) => w.v === null || !(w.v.startsWith("--") || /^-[RfvchHLP]+$/.test(w.v)));
        const reference = rest.some((w) => w.v?.startsWith("--reference"));
        destructive("chmod", reference ? list : list.slice(1), recursive);
        break;
      }
      case "tar": {
        const t = tarArgs(rest);
        if (t.runs) c.opaque.push(`tar runs a program (${t.runs})`);
        if (t.extract) {
          // What an archive holds is not on the command line: it may put files anywhere below (even .git/hooks).
          c.opaque.push("tar extracts an archive whose contents the gate cannot see");
          destructive("write", [{ v: `${t.dir ?? "."}/*`, glob: true, why: null, download: false }], true);
        } else if (t.file && t.file !== "-" && (t.create || t.append))
          destructive("write", [{ v: t.file, glob: false, why: null, download: false }], false);
        if (t.removeFiles) destructive("delete", t.operands, true);
        if (t.create) for (const w of t.operands) if (w.v !== null) this.readTree(resolveAbs(w.v));
        break;
      }
      case "unzip":
      case "7z":
      case "cpio":
        c.opaque.push(`${program} extracts an archive whose contents the gate cannot see`);
        destructive("write", [{ v: `${optionValue(rest, ["-d"]) ?? "."}/*`, glob: true, why: null, download: false }], true);
        break;
      case "zip": {
        const o = gnuArgs(rest, [
          "-b",
          "-n",
          "-t",
          "-tt",
          "-x",
          "-i",
          "-TT",
          "--unzip-command",
          "-P",
          "--password",
          "-Z",
          "-O",
          "--output-file",
        ]);
        if (o.values.has("-TT") || o.values.has("--unzip-command")) c.opaque.push("zip -TT runs a program");
        if (o.positional[0]) destructive("write", [o.positional[0]], false);
        if (o.flags.has("-m") || o.flags.has("--move")) destructive("delete", o.positional.slice(1), true);
        for (const w of o.positional.slice(1)) if (w.v !== null) this.readTree(resolveAbs(w.v));
        break;
      }
      case "patch":
        c.opaque.push("patch writes whatever files the patch names");
        destructive("write", [{ v: optionValue(rest, ["-o", "--output"]) ?? "./*", glob: true, why: null, download: false }], false);
        break;
      case "xargs":
        break;
      default:
        break;
    }
    if (extraArgsUnknown && !READ_ONLY.has(program)) c.read_only_safe = false;
    else if (READ_ONLY.has(program)) c.read_only_safe = true;
    else if (READ_ONLY_UNLESS[program]) c.read_only_safe = !rest.some((w) => w.v === null || READ_ONLY_UNLESS[program].test(w.v));
    if (stdin.kind === "data" && stdin.download && !DOWNLOADERS.has(program)) out = DOWNLOAD;
    if (program === "echo" || program === "printf") out = printedText(program, rest);
    if (program === "cat" && args.length === 0) out = stdin;
    if (program === "cat" && args.length > 0) {
      const files = args.map((w) => (w.v === null ? null : resolveAbs(w.v)));
      if (files.some((f) => f !== null && this.isDownloaded(f))) out = DOWNLOAD;
      else if (files.length === 1 && files[0] && this.literalFiles.has(files[0]))
        out = { kind: "literal", text: this.literalFiles.get(files[0])! };
    }
    // Fetched from another host: scp/rsync host:path, gh repo clone.
    if ((program === "scp" || program === "rsync") && rest.some((w) => w.v !== null && /^[^/-][^/]*:/.test(w.v))) {
      const dest = args[args.length - 1]?.v;
      const abs = dest && !/^[^/]*:/.test(dest) ? resolveAbs(dest) : null;
      if (abs) this.downloadedTrees.add(abs);
    }

    if (program === "tee") {
      out = stdin;
      for (const w of args) {
        const abs = w.v === null ? null : resolveAbs(w.v);
        if (abs && stdin.kind === "data" && stdin.download) this.downloaded.add(abs);
        if (abs && stdin.kind === "literal") this.literalFiles.set(abs, stdin.text);
      }
    }
    return out;
  }

  private git(a: Arg[], c: CommandEffect, st: State, depth: number, source: string): Flow {
    if (a.some((w) => w.v === null)) {
      const i = a.findIndex((w) => w.v === null);
      if (i <= 2) c.opaque.push(`git with ${a[i].why ?? "a word it cannot see"}`);
    }
    const parsed = parseGit(a.map((w) => w.v ?? "$?"));
    c.git = parsed.git;
    c.text = ["git", parsed.git.subcommand, ...parsed.rest].join(" ").replace(/\s+/g, " ").trim();
    const { flags, args } = splitFlags(parsed.rest.map((v) => ({ v, glob: false, why: null, download: false })));
    c.flags = flags;
    c.args = args.map((w) => w.v ?? "$?");
    let cwd = st.cwd;
    for (const d of parsed.chdirs) cwd = d.startsWith("/") ? normaliseAbs(d) : cwd && joinPath(cwd, d);
    if (parsed.shell_alias !== null) this.script(parsed.shell_alias, { ...copyState(st), cwd }, NONE, depth + 1);
    if (parsed.unknown_subcommand) c.opaque.push(`git ${parsed.git.subcommand} is an alias or extension the gate cannot see`);
    const sub = parsed.git.subcommand;
    const rest = parsed.rest;
    // git, like getopt_long, takes any unambiguous prefix of a long option (`--exe` is --exec).
    const longOf = (w: string, names: string[]) => (w.startsWith("--") ? expandLong(w.split("=")[0], names) : w);
    const has = (...names: string[]) =>
      rest.some(
        (w) =>
          names.includes(longOf(w, names)) ||
          names.some((n) => /^-[A-Za-z]$/.test(n) && w.startsWith(n) && w.length > 2 && !w.startsWith("--")),
      );
    const gitValue = (...names: string[]) => {
      for (let i = 0; i < rest.length; i++) {
        const w = rest[i];
        if (names.includes(w)) return rest[i + 1] ?? null;
        if (w.startsWith("--") && names.includes(longOf(w, names)))
          return w.includes("=") ? w.slice(w.indexOf("=") + 1) : (rest[i + 1] ?? null);
      }
      return undefined;
    };
    const write = (p: string | null | undefined, recursive = true) => {
      if (p !== undefined)
        this.fileArg(
          { v: p === "$?" ? null : p, glob: false, why: "a git output path it cannot see", download: false },
          "write",
          recursive,
          cwd,
          c,
          source,
        );
    };
    // Options and subcommands that make git run a program given on the command line.
    const runs =
      (sub === "submodule" && rest.includes("foreach")) ||
      (sub === "rebase" && has("-x", "--exec")) ||
      (sub === "bisect" && rest[0] === "run") ||
      ((sub === "difftool" || sub === "mergetool") && has("-x", "--extcmd", "-t", "--tool")) ||
      sub === "filter-branch" ||
      (["fetch", "pull", "clone", "ls-remote", "archive"].includes(sub) && has("--upload-pack", "-u", "--exec")) ||
      (sub === "push" && has("--receive-pack", "--exec")) ||
      (sub === "grep" && has("-O", "--open-files-in-pager")) ||
      ((sub === "init" || sub === "clone") && has("--template")) ||
      (sub === "apply" && has("--unsafe-paths"));
    if (runs) c.opaque.push(`git ${sub} with options that run a program or reach outside the repo`);
    if (sub === "init") write(`${rest.find((w) => !w.startsWith("-")) ?? "."}/.git`);
    if (sub === "worktree" && rest[0] === "add") write(operands(rest.slice(1), ["-b", "-B", "--reason"])[0]);
    const del = (p: string | undefined, recursive = true) => {
      if (p !== undefined)
        this.fileArg(
          { v: p === "$?" ? null : p, glob: /[*?[]/.test(p), why: "a git path it cannot see", download: false },
          "delete",
          recursive,
          cwd,
          c,
          source,
        );
    };
    const ops = operands(rest, [
      "-m",
      "--message",
      "-s",
      "--source",
      "-C",
      "-b",
      "--branch",
      "-c",
      "--config",
      "--depth",
      "--reference",
      "--name",
      "-e",
      "--exclude",
      "--separate-git-dir",
      "--template",
      "--origin",
      "-o",
      "--upload-pack",
      "-u",
    ]);
    const afterDashes = rest.includes("--") ? rest.slice(rest.indexOf("--") + 1) : null;
    if (sub === "mv") {
      for (const p of ops.slice(0, -1)) del(p);
      write(ops[ops.length - 1]);
      for (const p of ops.slice(0, -1)) write(`${ops[ops.length - 1]}/${basename(p)}`);
    }
    if (sub === "rm") for (const p of ops) del(p, has("-r"));
    if (sub === "restore") for (const p of ops) write(p);
    if (sub === "checkout" && afterDashes) for (const p of afterDashes) write(p);
    if (sub === "clean") {
      // -x/-X also remove ignored files, such as the agent's own hook settings under .claude/.
      if (ops.length) for (const p of ops) del(p);
      else if (rest.some((w) => /^-[A-Za-z]*[xX]/.test(w)))
        c.opaque.push("git clean -x removes ignored files too (the agent's settings among them)");
    }
    if (sub === "submodule" && rest[0] === "add") {
      const [url, path] = operands(rest.slice(1), ["-b", "--branch", "--name", "--reference", "--depth"]);
      write(path ?? basename(url ?? "sub"));
    }
    if (sub === "clone") {
      for (const kv of [gitValue("-c", "--config")].filter((v): v is string => typeof v === "string")) {
        const key = kv.split("=")[0].toLowerCase();
        if (EXEC_CONFIG.test(key)) parsed.git.exec_config.push(key);
      }
      write(gitValue("--separate-git-dir"));
      // What was cloned is downloaded: a script run from it later is remote code.
      const dir = ops[1] ?? basename((ops[0] ?? "repo").replace(/\.git$/, "").replace(/\/+$/, ""));
      write(dir);
      const abs = dir.startsWith("/") ? normaliseAbs(dir) : cwd ? joinPath(cwd, dir) : null;
      if (abs) this.downloadedTrees.add(abs);
    }
    if (sub === "apply" || sub === "am") c.opaque.push(`git ${sub} writes whatever files the patch names`);
    if (sub === "remote" && ["add", "set-url", "rename"].includes(rest[0] ?? "")) parsed.git.exec_config.push(`remote.${rest[0]}`);
    if (sub === "credential" && ["fill", "approve"].includes(rest[0] ?? ""))
      this.effects.reads.push(classify(`${this.env.home}/.git-credentials`, this.env));
    if (sub === "checkout-index") write(gitValue("--prefix") === undefined ? undefined : `${gitValue("--prefix")}*`);
    if (["diff", "log", "show", "format-patch", "archive", "range-diff"].includes(sub))
      write(gitValue("--output", "-o", "--output-directory"), sub === "format-patch");
    if (sub === "config") write(gitValue("--file", "-f"), false);
    if (sub === "bundle" && rest[0] === "create") write(rest[1], false);
    for (const [flag, dir] of [
      ["--work-tree", parsed.work_tree],
      ["--git-dir", parsed.git_dir],
    ] as const) {
      if (dir !== null) {
        c.opaque.push(`git ${flag} points git at another directory`);
        write(`${dir}/*`);
      }
    }
    c.read_only_safe = gitReadOnly(parsed.git.subcommand, parsed.rest) && parsed.git.exec_config.length === 0 && !parsed.unknown_subcommand;
    return DATA;
  }

  private find(rest: Arg[], c: CommandEffect, st: State, depth: number, source: string): Flow {
    // find [-H|-L|-P] [-D opts] [-Olevel] [--] roots... expression
    let k = 0;
    while (k < rest.length && /^(-[HLP]+|-O\d*|-D|--)$/.test(rest[k].v ?? "")) k += rest[k].v === "-D" ? 2 : 1;
    const tail = rest.slice(k);
    const firstExpr = tail.findIndex((w) => w.v === null || /^[-(!]/.test(w.v));
    const roots = firstExpr === -1 ? tail : tail.slice(0, firstExpr);
    const rootArgs = roots.length ? roots : [{ v: ".", glob: false, why: null, download: false }];
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i].v;
      if (w === "-delete") for (const r of rootArgs) this.fileArg(r, "delete", true, st.cwd, c, source);
      if (w === "-fprint" || w === "-fprint0" || w === "-fprintf" || w === "-fls")
        this.fileArg(rest[i + 1] ?? { v: null, glob: false, why: "missing", download: false }, "write", false, st.cwd, c, source);
      if (w === "-exec" || w === "-execdir" || w === "-ok" || w === "-okdir") {
        const end = rest.findIndex((x, j) => j > i && (x.v === ";" || x.v === "+"));
        const cmd = rest.slice(i + 1, end === -1 ? rest.length : end);
        // `{}` stands for every file found under each root.
        for (const r of rootArgs) {
          const under = r.v === null ? null : `${r.v.replace(/\/+$/, "")}/*`;
          const argv = cmd.map((x) =>
            x.v?.includes("{}") ? { ...x, v: under === null ? null : x.v.replaceAll("{}", under), glob: true } : x,
          );
          if (argv.length && argv[0].v !== null) this.argv(argv, st, NONE, depth + 1, source);
          else c.opaque.push("find -exec runs a command it cannot see");
        }
        i = end === -1 ? rest.length : end;
      }
    }
    c.read_only_safe = !rest.some((w) => w.v === null || READ_ONLY_UNLESS.find.test(w.v));
    return DATA;
  }
}

/** Options that take a value, per copying command (GNU coreutils, rsync, scp). */
const COPY_VALUES: Record<string, readonly string[]> = {
  cp: ["-t", "--target-directory", "-S", "--suffix", "--backup", "--sparse", "--reflink", "--preserve", "--no-preserve", "--context"],
  mv: ["-t", "--target-directory", "-S", "--suffix", "--backup", "--context"],
  install: [
    "-t",
    "--target-directory",
    "-S",
    "--suffix",
    "-m",
    "--mode",
    "-o",
    "--owner",
    "-g",
    "--group",
    "--backup",
    "--strip-program",
    "-Z",
    "--context",
  ],
  ln: ["-t", "--target-directory", "-S", "--suffix", "--backup"],
  link: [],
  rsync: [
    "-e",
    "--rsh",
    "--rsync-path",
    "--exclude",
    "--include",
    "--filter",
    "-f",
    "--exclude-from",
    "--include-from",
    "--files-from",
    "--chmod",
    "--chown",
    "--log-file",
    "--partial-dir",
    "--temp-dir",
    "-T",
    "--compare-dest",
    "--link-dest",
    "--copy-dest",
    "--backup-dir",
    "--suffix",
    "--password-file",
    "--port",
    "-B",
    "--block-size",
    "--bwlimit",
    "--timeout",
    "--max-size",
    "--min-size",
    "--out-format",
    "--usermap",
    "--groupmap",
    "-M",
    "--remote-option",
  ],
  scp: ["-c", "-F", "-i", "-J", "-l", "-o", "-P", "-S", "-D", "-X"],
};

const recursiveFlag = (rest: Arg[]) =>
  rest.some(
    (w) =>
      w.v !== null &&
      (["--recursive", "--archive"].includes(expandLong(w.v.split("=")[0], ["--recursive", "--archive"])) || /^-[A-Za-z]*[rRa]/.test(w.v)),
  );

/**
 * GNU-style arguments: options anywhere before `--` (clusters, attached values `-t.git/hooks`,
 * `--target-directory=DIR`), the rest operands.
 */
function gnuArgs(
  rest: Arg[],
  withValue: readonly string[],
): { positional: Arg[]; flags: Set<string>; values: Map<string, string | null>; unknown: string | null } {
  const positional: Arg[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string | null>();
  for (let i = 0; i < rest.length; ) {
    const w = rest[i].v;
    if (w === "--") {
      positional.push(...rest.slice(i + 1));
      break;
    }
    if (w === null || !w.startsWith("-") || w === "-") {
      positional.push(rest[i++]);
      continue;
    }
    i += optionAt(rest, i, withValue, flags, values);
  }
  return { positional, flags, values, unknown: null };
}

/** tar options that run a program given on the line. */
const TAR_RUNS = [
  "--to-command",
  "--use-compress-program",
  "--info-script",
  "--new-volume-script",
  "--checkpoint-action",
  "--rsh-command",
  "--rmt-command",
];
const TAR_LONG = ["--extract", "--get", "--create", "--append", "--update", "--file", "--directory", "--remove-files", ...TAR_RUNS];

/** tar's arguments, old style (`xfC a.tar dir`) and new (`-xC dir -f a.tar`, `--directory=dir`). */
function tarArgs(rest: Arg[]): {
  extract: boolean;
  create: boolean;
  append: boolean;
  file: string | null;
  dir: string | null;
  removeFiles: boolean;
  runs: string | null;
  operands: Arg[];
} {
  const VALUE = new Set(["f", "C", "T", "X", "b", "g", "K", "N", "V", "I", "F", "L", "H"]);
  const r = {
    extract: false,
    create: false,
    append: false,
    file: null as string | null,
    dir: null as string | null,
    removeFiles: false,
    runs: null as string | null,
    operands: [] as Arg[],
  };
  const letter = (l: string, value: () => string | null) => {
    if (l === "x") r.extract = true;
    if (l === "c") r.create = true;
    if (l === "r" || l === "u" || l === "A") r.append = true;
    if (!VALUE.has(l)) return;
    const v = value();
    if (l === "f") r.file = v;
    if (l === "C") r.dir = v ?? "$?";
    if (l === "I" || l === "F") r.runs = `-${l} ${v ?? ""}`.trim();
  };
  let i = 0;
  const next = () => rest[++i]?.v ?? null;
  const first = rest[0]?.v;
  if (first && /^[A-Za-z]+$/.test(first)) {
    // Old style: a bare cluster; each letter that takes a value takes the next word, in order.
    let k = 0;
    for (const l of first) letter(l, () => rest[1 + k++]?.v ?? null);
    i = 1 + k;
  } else i = 0;
  for (; i < rest.length; i++) {
    const w = rest[i].v;
    if (w === null) {
      r.operands.push(rest[i]);
      continue;
    }
    if (w.startsWith("--")) {
      const [given, inline] = w.includes("=") ? [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)] : [w, null];
      const name = expandLong(given, TAR_LONG);
      const val = () => inline ?? next();
      if (name === "--extract" || name === "--get") r.extract = true;
      else if (name === "--create") r.create = true;
      else if (name === "--append" || name === "--update") r.append = true;
      else if (name === "--file") r.file = val();
      else if (name === "--directory") r.dir = val() ?? "$?";
      else if (name === "--remove-files") r.removeFiles = true;
      else if (TAR_RUNS.includes(name)) r.runs = w;
      continue;
    }
    if (w.startsWith("-") && w.length > 1) {
      for (let j = 1; j < w.length; j++) {
        const l = w[j];
        if (VALUE.has(l)) {
          const attached = w.slice(j + 1);
          letter(l, () => (attached ? attached : next()));
          break;
        }
        letter(l, () => null);
      }
      continue;
    }
    r.operands.push(rest[i]);
  }
  return r;
}

/** What echo or printf prints, when the gate can know it: escapes (`echo -e`, a printf format) decoded. */
function printedText(program: string, rest: Arg[]): Flow {
  if (rest.some((w) => w.v === null)) return DATA;
  const words = rest.map((w) => w.v!);
  if (program === "echo") {
    let i = 0;
    let escapes = false;
    // Leading -n/-e/-E words: the last of -e and -E wins.
    for (; i < words.length && /^-[neE]+$/.test(words[i]); i++) for (const f of words[i].slice(1)) if (f !== "n") escapes = f === "e";
    const text = words.slice(i).join(" ");
    if (!escapes || !text.includes("\\")) return { kind: "literal", text };
    const decoded = decodeAnsiC(text.replace(/\\0([0-7]{1,3})/g, "\\$1"));
    return decoded === null ? DATA : { kind: "literal", text: decoded };
  }
  // printf: a format with no conversions prints itself (escapes decoded); `%s`/`%b` formats print their arguments.
  const [format = "", ...args] = words[0] === "--" ? words.slice(1) : words;
  if (words[0]?.startsWith("-")) return DATA; // printf -v: prints nothing here
  const fmt = decodeAnsiC(format.replaceAll("%%", "\uE000"));
  if (fmt === null) return DATA;
  if (!fmt.includes("%")) return { kind: "literal", text: fmt.replaceAll("\uE000", "%") };
  if (/^(%[sb]\n?)+$/.test(fmt)) {
    const decoded = args.map((x) => (fmt.includes("%b") ? decodeAnsiC(x) : x));
    return decoded.some((x) => x === null) ? DATA : { kind: "literal", text: decoded.join(fmt.includes("\n") ? "\n" : "") };
  }
  return DATA;
}

/** Programs that run code from a file they are given (`make -f x`, `awk -f x`, `python x`, `sh x`). */
const EXECUTORS =
  /^(make|gmake|awk|gawk|mawk|python[0-9.]*|pypy[0-9.]*|node|nodejs|deno|bun|perl|ruby|php|lua|sh|bash|zsh|dash|ksh|source|\.|Rscript|tclsh|pwsh|cmake|just)$/;
/** Build tools that run files found in their working directory. */
const IMPLICIT_RUNNERS = new Set([
  "make",
  "gmake",
  "npm",
  "yarn",
  "pnpm",
  "bun",
  "pytest",
  "tox",
  "nox",
  "cargo",
  "go",
  "gradle",
  "mvn",
  "ant",
  "rake",
  "bundle",
  "pip",
  "pip3",
  "cmake",
  "just",
]);
const IMPLICIT_FILES =
  /^(GNUmakefile|[Mm]akefile|package\.json|\.npmrc|\.yarnrc(\.yml)?|conftest\.py|setup\.py|setup\.cfg|pyproject\.toml|tox\.ini|noxfile\.py|pytest\.ini|Cargo\.toml|build\.rs|go\.mod|build\.gradle(\.kts)?|settings\.gradle(\.kts)?|pom\.xml|build\.xml|Rakefile|Gemfile|CMakeLists\.txt|[Jj]ustfile|requirements.*\.txt)$/;

/** Operands of a git command: words that are neither options nor the values of `withValue` options. */
function operands(rest: string[], withValue: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i];
    if (w === "--") {
      out.push(...rest.slice(i + 1));
      break;
    }
    if (withValue.includes(w)) i++;
    else if (!w.startsWith("-")) out.push(w);
  }
  return out;
}

/** A sed script with a command that runs a program or writes a file: e, w, W, or the s command's w / e flags. */
function sedRunsOrWrites(script: string): boolean {
  const addr = String.raw`(?:\d+|\$|/(?:[^/\\]|\\.)*/)?(?:\s*,\s*(?:\d+|\$|/(?:[^/\\]|\\.)*/))?!?`;
  if (new RegExp(String.raw`(^|[;\n{}])\s*${addr}\s*[ewW]`).test(script)) return true;
  return /s(.)(?:\\.|(?!\1).)*\1(?:\\.|(?!\1).)*\1[gpiImM0-9]*[we]/.test(script);
}

/** After a branch that may or may not have run: each variable it changed holds either value. */
function mergeVars(before: Map<string, VarValue>, after: Map<string, VarValue>): void {
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const b = before.has(k) ? before.get(k)! : [""];
    const a = after.has(k) ? after.get(k)! : [""];
    if (a === b) continue;
    const both = a && b ? [...new Set([...b, ...a])] : null;
    after.set(k, both && both.length <= MAX_EXPANSIONS ? both : null);
  }
}

/** Variables that change what later commands run or where they run (git's, the shell's, the loader's). */
const RISKY_ENV =
  /^(GIT_(SSH|SSH_COMMAND|SSH_VARIANT|EXTERNAL_DIFF|ASKPASS|PROXY_COMMAND|CONFIG|CONFIG_.+|CONFIG_PARAMETERS|CONFIG_GLOBAL|CONFIG_SYSTEM|DIR|WORK_TREE|TEMPLATE_DIR|EXEC_PATH|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR|NAMESPACE|ALLOW_PROTOCOL)|BASH_ENV|ENV|LD_PRELOAD|LD_AUDIT|LD_LIBRARY_PATH|PROMPT_COMMAND|CDPATH|PERL5OPT|RUBYOPT|SHELLOPTS|BASHOPTS|PS4|GLOBIGNORE|SSH_ASKPASS|SUDO_ASKPASS|PYTHONSTARTUP|LESSOPEN|LESSCLOSE|MANPAGER_COMMAND)$/;
/** Pagers and editors whose usual values are harmless (`GIT_PAGER=cat git log`, `GIT_EDITOR=true git rebase --continue`). */
const VIEWER_ENV = /^(GIT_PAGER|GIT_EDITOR|GIT_SEQUENCE_EDITOR|PAGER|EDITOR|VISUAL|MANPAGER)$/;
const HARMLESS_VIEWERS = new Set(["", "cat", "true", ":", "less", "less -R", "less -FRX", "more", "vi", "vim", "nano", "head", "tee"]);

function riskyEnv(name: string, values: VarValue): string | null {
  if (RISKY_ENV.test(name)) return `sets ${name}, which changes what later commands run or where`;
  if (VIEWER_ENV.test(name) && !values?.every((v) => HARMLESS_VIEWERS.has(v.trim())))
    return `sets ${name} to a program the gate cannot vouch for`;
  return null;
}

/**
 * A command's leading options, short clusters included (`-nu root`, `-iS 'cmd'`, `-C/dir`): where the
 * operands start, the flags seen, and option values (null when not literal). `env -` is `env -i`.
 */
function parseOptions(
  a: Arg[],
  start: number,
  withValue: readonly string[],
  dashIsOption = false,
): { end: number; flags: Set<string>; values: Map<string, string | null>; unknown: string | null; lastTookNoValue: boolean } {
  const flags = new Set<string>();
  const values = new Map<string, string | null>();
  let i = start;
  let lastTookNoValue = false;
  while (i < a.length) {
    const w = a[i].v;
    if (w === null) return { end: i, flags, values, unknown: a[i].why ?? "an expansion", lastTookNoValue };
    if (w === "--") return { end: i + 1, flags, values, unknown: null, lastTookNoValue: false };
    if (w === "-" && dashIsOption) {
      flags.add("-i");
      i++;
      continue;
    }
    if (!w.startsWith("-") || w === "-") break;
    const before = values.size;
    const took = optionAt(a, i, withValue, flags, values);
    lastTookNoValue = took === 1 && values.size === before;
    i += took;
  }
  return { end: i, flags, values, unknown: null, lastTookNoValue };
}

/**
 * One option word at a[i] (with its value): records it and says how many words it took. Long names
 * may be abbreviated to a unique prefix of a known one, as getopt_long and git allow (`--target-dir`).
 */
function optionAt(a: Arg[], i: number, withValue: readonly string[], flags: Set<string>, values: Map<string, string | null>): number {
  const w = a[i].v!;
  if (w.startsWith("--")) {
    const eq = w.indexOf("=");
    const name = expandLong(eq === -1 ? w : w.slice(0, eq), withValue);
    flags.add(name);
    if (eq !== -1) values.set(name, w.slice(eq + 1));
    else if (withValue.includes(name)) {
      values.set(name, a[i + 1]?.v ?? null);
      return 2;
    }
    return 1;
  }
  // A short cluster: letters until one that takes a value; the value is the rest, or the next word.
  for (let j = 1; j < w.length; j++) {
    const f = `-${w[j]}`;
    flags.add(f);
    if (withValue.includes(f)) {
      if (j + 1 < w.length) values.set(f, w.slice(j + 1));
      else {
        values.set(f, a[i + 1]?.v ?? null);
        return 2;
      }
      break;
    }
  }
  return 1;
}

function firstError(n: ShellNode): string | null {
  if (n.type === "ERROR" || n.isMissing) return n.text || n.type;
  for (const c of n.children) {
    if (c.hasError) return firstError(c);
  }
  return null;
}

function splitFlags(words: Arg[]): { flags: string[]; args: Arg[] } {
  const flags: string[] = [];
  const args: Arg[] = [];
  let rest = false;
  for (const w of words) {
    const v = w.v;
    if (rest || v === null) args.push(w);
    else if (v === "--") rest = true;
    else if (v.startsWith("--")) flags.push(expandLong(v.split("=")[0]));
    else if (v.startsWith("-") && v.length > 1 && !/^-\d/.test(v)) for (const ch of v.slice(1)) flags.push(`-${ch}`);
    else args.push(w);
  }
  return { flags, args };
}

/** The value of the first of `names` (`-t DIR`, `-tDIR`, `-sD FILE` in a cluster, `--target-directory=DIR`). */
function optionValue(words: Arg[], names: string[], others: string[] = []): string | null {
  for (let i = 0; i < words.length; i++) {
    const v = words[i].v;
    if (v === null) continue;
    if (names.includes(v)) return words[i + 1]?.v ?? null;
    const short = names.find((n) => /^-[A-Za-z]$/.test(n) && new RegExp(`^-[A-Za-z]*${n[1]}`).test(v) && !v.startsWith("--"));
    if (short) {
      const rest = v.slice(v.indexOf(short[1]) + 1);
      return rest || (words[i + 1]?.v ?? null);
    }
    if (v.startsWith("--")) {
      const eq = v.indexOf("=");
      // `others`: the program's options that a prefix of `names` could also mean (curl's --output vs --output-dir).
      const name = expandLong(eq === -1 ? v : v.slice(0, eq), [...names, ...others]);
      if (names.includes(name)) return eq === -1 ? (words[i + 1]?.v ?? null) : v.slice(eq + 1);
    }
  }
  return null;
}

/** Positional words, with the named options and their values removed. */
function withoutValues(words: Arg[], withValue: string[]): Arg[] {
  const out: Arg[] = [];
  let rest = false;
  for (let i = 0; i < words.length; i++) {
    const v = words[i].v;
    if (rest || v === null) out.push(words[i]);
    else if (v === "--") rest = true;
    else if (withValue.includes(v)) i++;
    else if (!v.startsWith("-") || v === "-") out.push(words[i]);
  }
  return out;
}

/** Everything a Bash command line does, run from `cwd` (absolute). Throws only on a bug or a too-large line. */
export function shellEffects(parser: ShellParser, command: string, cwd: string, env: PathEnv): Effects {
  const w = new Walker(parser, env);
  w.script(command, { cwd, vars: new Map(), functions: new Set(), aliases: new Set(), downloads: new Set() }, NONE, 0);
  return w.effects;
}
