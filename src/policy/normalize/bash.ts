/**
 * Bash normalisation for policy matching. Splits a command line into simple commands
 * (on && || ; | & newlines and parentheses, plus $(...), backticks and `sh -c` strings),
 * removes quoting, env prefixes, wrappers (sudo, env, nohup, ...) and git global options, and
 * parses what rules need: program, flags (combined short flags expanded), args, git push
 * details and file writes (redirections, tee, cp/mv/touch targets, dd of=). The parser errs on
 * the side of finding more commands, never fewer: it is a gate, not a shell.
 */
import { normalisePath } from "./path";

export interface GitInfo {
  subcommand: string;
  force: boolean;
  remote: string;
  /** Destination branches of a push ("" when the push names none; "*" for --all/--mirror). */
  targets: string[];
}

export interface BashPart {
  /** Effective command: words joined by single spaces, wrappers and git global options removed. */
  text: string;
  program: string;
  flags: string[];
  args: string[];
  git: GitInfo | null;
  /** Files this command writes (as written; normalised by the request builder). */
  writes: string[];
}

export class BashParseError extends Error {}

const MAX_PARTS = 200;
const MAX_DEPTH = 4;

type Tok = { t: "word"; v: string } | { t: "op"; v: string } | { t: "redir"; v: string };

const OPS = ["&&", "||", "|&", ";;", "|", ";", "&", "(", ")"];
const RESERVED = new Set(["{", "}", "!", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "time"]);

function tokenize(src: string, subs: string[]): Tok[] {
  const toks: Tok[] = [];
  let word = "";
  let inWord = false;
  const end = () => {
    if (inWord) toks.push({ t: "word", v: word });
    word = "";
    inWord = false;
  };
  const capture = (open: number): number => {
    // $( ... ) with nesting; returns index of the closing paren
    let depth = 1;
    let i = open;
    let quote = "";
    for (; i < src.length; i++) {
      const ch = src[i];
      if (quote) {
        if (ch === quote) quote = "";
        else if (ch === "\\" && quote === '"') i++;
        continue;
      }
      if (ch === "'" || ch === '"') quote = ch;
      else if (ch === "\\") i++;
      else if (ch === "(") depth++;
      else if (ch === ")" && --depth === 0) return i;
    }
    return src.length;
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (ch === " " || ch === "\t" || ch === "\r") {
      end();
      continue;
    }
    if (ch === "\n") {
      end();
      toks.push({ t: "op", v: ";" });
      continue;
    }
    if (ch === "#" && !inWord) {
      while (i < src.length && src[i] !== "\n") i++;
      i--;
      continue;
    }
    if (ch === "\\") {
      if (src[i + 1] === "\n") i++;
      else if (i + 1 < src.length) {
        word += src[++i];
        inWord = true;
      }
      continue;
    }
    if (ch === "'") {
      const close = src.indexOf("'", i + 1);
      const stop = close === -1 ? src.length : close;
      word += src.slice(i + 1, stop);
      inWord = true;
      i = stop;
      continue;
    }
    if (ch === '"') {
      inWord = true;
      for (i++; i < src.length && src[i] !== '"'; i++) {
        if (src[i] === "\\" && '"\\$`'.includes(src[i + 1] ?? "")) word += src[++i];
        else if (src[i] === "$" && src[i + 1] === "(") {
          const close = capture(i + 2);
          subs.push(src.slice(i + 2, close));
          word += src.slice(i, close + 1);
          i = close;
        } else if (src[i] === "`") {
          const close = src.indexOf("`", i + 1);
          const stop = close === -1 ? src.length : close;
          subs.push(src.slice(i + 1, stop));
          word += src.slice(i, stop + 1);
          i = stop;
        } else word += src[i];
      }
      continue;
    }
    if (ch === "$" && src[i + 1] === "(") {
      const close = capture(i + 2);
      subs.push(src.slice(i + 2, close));
      word += src.slice(i, close + 1);
      inWord = true;
      i = close;
      continue;
    }
    if (ch === "`") {
      const close = src.indexOf("`", i + 1);
      const stop = close === -1 ? src.length : close;
      subs.push(src.slice(i + 1, stop));
      word += src.slice(i, stop + 1);
      inWord = true;
      i = stop;
      continue;
    }
    if (ch === ">" || ch === "<" || (ch === "&" && src[i + 1] === ">")) {
      // A leading fd number belongs to the redirection ("2>file"), not to the previous word.
      if (inWord && /^\d+$/.test(word)) {
        word = "";
        inWord = false;
      } else end();
      let op = ch;
      while (i + 1 < src.length && ">|<&".includes(src[i + 1]) && op.length < 3) {
        // "<&" / ">&N" are fd duplications, handled below
        if (src[i + 1] === "&" && op !== "&" && /[\d-]/.test(src[i + 2] ?? "")) break;
        op += src[++i];
      }
      if (src[i + 1] === "&" && /[\d-]/.test(src[i + 2] ?? "")) {
        // fd duplication like 2>&1 or >&-: no file involved
        i += 2;
        while (/\d/.test(src[i + 1] ?? "")) i++;
        continue;
      }
      toks.push({ t: "redir", v: op });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      end();
      toks.push({ t: "op", v: op });
      i += op.length - 1;
      continue;
    }
    word += ch;
    inWord = true;
  }
  end();
  return toks;
}

const basename = (w: string) => w.slice(w.lastIndexOf("/") + 1);
const isAssignment = (w: string) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w);

/** Remove wrappers that run another command: sudo, env, nohup, nice, timeout, command, exec, stdbuf, xargs. */
function stripWrappers(argv: string[]): string[] {
  let a = argv;
  for (let guard = 0; guard < 10 && a.length; guard++) {
    while (a.length && (isAssignment(a[0]) || RESERVED.has(a[0]))) a = a.slice(1);
    const prog = basename(a[0] ?? "");
    const withValue: Record<string, string[]> = {
      sudo: ["-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U"],
      env: ["-u", "-C", "-S"],
      nice: ["-n"],
      timeout: ["-s", "-k"],
      stdbuf: ["-i", "-o", "-e"],
      xargs: ["-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a"],
      command: [],
      exec: ["-a"],
      nohup: [],
    };
    if (!(prog in withValue)) return a;
    let i = 1;
    while (i < a.length) {
      const w = a[i];
      if (w === "--") {
        i++;
        break;
      }
      if (prog === "env" && isAssignment(w)) i++;
      else if (w.startsWith("-") && w.length > 1) i += withValue[prog].includes(w) ? 2 : 1;
      else break;
    }
    if (prog === "timeout" && i < a.length) i++; // the duration
    a = a.slice(i);
  }
  return a;
}

const GIT_GLOBAL_WITH_VALUE = new Set(["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--exec-path", "--super-prefix"]);
const PUSH_WITH_VALUE = new Set(["-o", "--push-option", "--repo", "--receive-pack", "--exec"]);

function splitFlags(words: string[]): { flags: string[]; args: string[] } {
  const flags: string[] = [];
  const args: string[] = [];
  let rest = false;
  for (const w of words) {
    if (rest) args.push(w);
    else if (w === "--") rest = true;
    else if (w.startsWith("--")) flags.push(w.split("=")[0]);
    else if (w.startsWith("-") && w.length > 1 && !/^-\d/.test(w)) for (const c of w.slice(1)) flags.push(`-${c}`);
    else args.push(w);
  }
  return { flags, args };
}

const normaliseArg = (w: string) => (/^(\/|~|\.|\$HOME|\$\{HOME\})/.test(w) ? normalisePath(w).path : w);

function parseGit(argv: string[]): { git: GitInfo; effective: string[] } {
  let i = 1;
  while (i < argv.length && argv[i].startsWith("-")) {
    const w = argv[i];
    i += GIT_GLOBAL_WITH_VALUE.has(w) ? 2 : 1;
  }
  const subcommand = argv[i] ?? "";
  const rest = argv.slice(i + 1);
  const git: GitInfo = { subcommand, force: false, remote: "", targets: [] };
  if (subcommand === "push") {
    const positional: string[] = [];
    for (let j = 0; j < rest.length; j++) {
      const w = rest[j];
      if (PUSH_WITH_VALUE.has(w)) {
        j++;
        continue;
      }
      if (w.startsWith("--")) {
        const name = w.split("=")[0];
        if (["--force", "--force-with-lease", "--force-if-includes", "--mirror", "--delete", "--prune"].includes(name)) git.force = true;
        if (name === "--all" || name === "--mirror" || name === "--branches") git.targets.push("*");
      } else if (w.startsWith("-") && w.length > 1) {
        if (w.includes("f") || w.includes("d")) git.force = true;
      } else positional.push(w);
    }
    git.remote = positional[0] ?? "";
    for (const spec of positional.slice(1)) {
      if (spec.startsWith("+")) git.force = true;
      const body = spec.replace(/^\+/, "");
      const colon = body.indexOf(":");
      if (colon === 0) git.force = true; // ":branch" deletes the remote branch
      const dst = colon === -1 ? body : body.slice(colon + 1);
      git.targets.push(dst.replace(/^refs\/heads\//, ""));
    }
    if (git.targets.length === 0) git.targets.push("");
  }
  return { git, effective: ["git", ...argv.slice(i)] };
}

function writesOf(program: string, args: string[], argv: string[]): string[] {
  if (program === "tee" || program === "touch") return args;
  if ((program === "cp" || program === "mv" || program === "install") && args.length >= 2) return [args[args.length - 1]];
  if (program === "dd") return argv.filter((w) => w.startsWith("of=")).map((w) => w.slice(3));
  return [];
}

const DEV_FILES = new Set(["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"]);

function buildPart(words: string[], redirs: string[], depth: number, out: BashPart[]): void {
  let argv = stripWrappers(words);
  const writes = redirs.filter((f) => !DEV_FILES.has(f));
  if (argv.length === 0) {
    if (writes.length) out.push({ text: "", program: "", flags: [], args: [], git: null, writes });
    return;
  }
  const program = basename(argv[0]);
  // Commands that run a string as a shell command: parse the string too.
  if (["bash", "sh", "zsh", "dash", "ksh"].includes(program)) {
    const c = argv.indexOf("-c");
    if (c !== -1 && argv[c + 1] !== undefined) parseInto(argv[c + 1], depth + 1, out);
  } else if (program === "eval") {
    parseInto(argv.slice(1).join(" "), depth + 1, out);
  }
  let git: GitInfo | null = null;
  if (program === "git") {
    const parsed = parseGit(argv);
    git = parsed.git;
    argv = parsed.effective;
  }
  const { flags, args } = splitFlags(argv.slice(1));
  out.push({
    text: [program, ...argv.slice(1)].join(" "),
    program,
    flags,
    args: args.map(normaliseArg),
    git,
    writes: [...writes, ...writesOf(program, args, argv)],
  });
}

function parseInto(src: string, depth: number, out: BashPart[]): void {
  if (depth > MAX_DEPTH) throw new BashParseError("command nests too deeply");
  const subs: string[] = [];
  const toks = tokenize(src, subs);
  let words: string[] = [];
  let redirs: string[] = [];
  const flush = () => {
    if (words.length || redirs.length) buildPart(words, redirs, depth, out);
    words = [];
    redirs = [];
  };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.t === "op") flush();
    else if (t.t === "redir") {
      const target = toks[i + 1];
      if (target?.t === "word") {
        i++;
        if (t.v.includes(">")) redirs.push(target.v);
      }
    } else words.push(t.v);
    if (out.length > MAX_PARTS) throw new BashParseError("command has too many parts");
  }
  flush();
  for (const s of subs) parseInto(s, depth + 1, out);
}

/** Every simple command in a Bash command line, in order of appearance (substitutions last). */
export function parseBash(command: string): BashPart[] {
  const out: BashPart[] = [];
  parseInto(command, 0, out);
  return out;
}
