/**
 * Shell words to literal strings, as far as they can be known without running anything: quotes
 * removed, escapes applied, `~`, `$HOME`, `$PWD`, `$TMPDIR` and variables assigned literally earlier
 * in the same command line substituted. Anything else (`$X` unset here, `$(...)`, arithmetic, brace
 * expansion) makes the word unknown, and the reason says what could not be seen.
 */
import type { ShellNode } from "./parser";

/** Candidate values of a variable (a for-loop binds several); null: not known statically. */
export type VarValue = string[] | null;

export interface WordScope {
  vars: Map<string, VarValue>;
  /** Variables holding downloaded data. */
  downloads: Set<string>;
  home: string;
  cwd: string | null;
  tmp: string;
  /**
   * Called for every command or process substitution met inside a word: its commands still run.
   * Returns whether they download something (so `bash -c "$(curl ...)"` is seen as remote code).
   */
  onSubstitution(node: ShellNode, kind: "command" | "process"): boolean;
}

export interface Word {
  /** Possible literal values (one for most words), or null when not statically known. */
  values: string[] | null;
  /** The word contains an expansion ($X, $(...), `...`), resolved or not. */
  expanded: boolean;
  /** What could not be seen, for the deny/approval reason. */
  unknown: string | null;
  /** Unquoted glob characters: the word names several files. */
  glob: boolean;
  /** Part of the word is the output of a download. */
  download?: boolean;
}

const MAX_CANDIDATES = 16;

const lit = (v: string, glob = false): Word => ({ values: [v], expanded: false, unknown: null, glob });
const unknown = (why: string, expanded = true): Word => ({ values: null, expanded, unknown: why, glob: false });

/** Backslash escapes of an unquoted word: `\x` is `x`, a backslash-newline vanishes. */
const unescapeBare = (s: string) => s.replace(/\\\n/g, "").replace(/\\(.)/gs, "$1");
const unescapeDouble = (s: string) => s.replace(/\\\n/g, "").replace(/\\([$`"\\])/g, "$1");

const ANSI: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  f: "\f",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "?": "?",
};

/** `$'...'`: decoded, or null when it uses an escape we do not model. */
export function decodeAnsiC(body: string): string | null {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const n = body[++i];
    if (n === undefined) return null;
    if (n in ANSI) out += ANSI[n];
    else if (n === "x") {
      const m = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i + 1));
      if (!m) return null;
      out += String.fromCharCode(Number.parseInt(m[0], 16));
      i += m[0].length;
    } else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i))!;
      out += String.fromCharCode(Number.parseInt(m[0], 8));
      i += m[0].length - 1;
    } else return null;
  }
  return out;
}

function variable(name: string, s: WordScope, text: string): Word {
  if (s.downloads.has(name)) return { ...unknown(`${text} (downloaded data)`), download: true };
  if (name === "HOME") return { ...lit(s.home), expanded: true };
  if (name === "TMPDIR") return { ...lit(s.tmp), expanded: true };
  if (name === "PWD" && s.cwd) return { ...lit(s.cwd), expanded: true };
  const v = s.vars.get(name);
  if (v) return { values: v, expanded: true, unknown: null, glob: false };
  return unknown(text);
}

function expansion(n: ShellNode, s: WordScope): Word {
  // ${NAME}, and ${NAME:-word} / ${NAME-word} for a variable known to be set; other forms are not modelled.
  const names = n.namedChildren;
  if (names.length === 1 && names[0].type === "variable_name" && n.text === `\${${names[0].text}}`)
    return variable(names[0].text, s, n.text);
  const m = /^\$\{([A-Za-z_]\w*):?[-=]/.exec(n.text);
  if (m && (["HOME", "TMPDIR", "PWD"].includes(m[1]) || s.vars.get(m[1])?.every((v) => v !== ""))) {
    for (const c of names.slice(1)) evalWord(c, s, false); // the default is not used, but its substitutions still parse
    return variable(m[1], s, n.text);
  }
  for (const c of names) evalWord(c, s, false);
  return unknown(n.text);
}

function concat(parts: Word[]): Word {
  let values: string[] | null = [""];
  let unknownWhy: string | null = null;
  for (const p of parts) {
    unknownWhy ??= p.unknown;
    if (!values || !p.values) {
      values = null;
      continue;
    }
    const next: string[] = [];
    for (const a of values) for (const b of p.values) next.push(a + b);
    values = next.length > MAX_CANDIDATES ? null : next;
    if (!values) unknownWhy ??= "too many combinations";
  }
  return {
    values,
    expanded: parts.some((p) => p.expanded),
    unknown: values ? null : unknownWhy,
    glob: parts.some((p) => p.glob),
    download: parts.some((p) => p.download),
  };
}

/** A bare word: `~` at the start is the home directory; unquoted `* ? [` make it a glob. */
function bareWord(text: string, s: WordScope, first: boolean): Word {
  let t = text;
  if (first && (t === "~" || t.startsWith("~/"))) t = s.home + t.slice(1);
  else if (first && /^~\+(\/|$)/.test(t)) {
    if (!s.cwd) return unknown(text, false);
    t = s.cwd + t.slice(2);
  } else if (first && /^~-(\/|$)/.test(t)) {
    const old = s.vars.get("OLDPWD");
    if (old?.length !== 1) return unknown(text, false);
    t = old[0] + t.slice(2);
  } else if (first && t.startsWith("~")) {
    // ~user: that user's home; ours by its own name, else /home/<user> (where homes usually are).
    const m = /^~([A-Za-z0-9._-]+)(.*)$/s.exec(t);
    if (!m) return unknown(text, false);
    t = (s.home.endsWith(`/${m[1]}`) ? s.home : `/home/${m[1]}`) + m[2];
  }
  if (/(^|[^\\])\{[^}]*,[^}]*\}/.test(t)) {
    const expanded = braceExpand(t);
    return expanded
      ? { values: expanded.map(unescapeBare), expanded: false, unknown: null, glob: expanded.some((v) => /[*?[]/.test(v)) }
      : unknown(`brace expansion ${text}`, false);
  }
  return lit(unescapeBare(t), /(^|[^\\])[*?[]/.test(t));
}

/** Bash brace expansion of literal text (`a{b,c}d` -> abd, acd; groups multiply), or null past the bound or when nested. */
function braceExpand(text: string): string[] | null {
  const m = /^(.*?)\{([^{}]*,[^{}]*)\}(.*)$/s.exec(text);
  if (!m) return /[{}]/.test(text.replace(/\{\}/g, "")) && /,/.test(text) ? null : [text];
  const tails = braceExpand(m[3]);
  if (!tails) return null;
  const out = m[2].split(",").flatMap((alt) => tails.map((t) => m[1] + alt + t));
  return out.length > MAX_CANDIDATES ? null : out;
}

export function evalWord(n: ShellNode, s: WordScope, first = true): Word {
  switch (n.type) {
    case "word":
    case "number":
    case "variable_name":
    case "file_descriptor":
    case "extglob_pattern":
    case "test_operator":
    case "regex":
      return bareWord(n.text, s, first);
    case "raw_string":
      return lit(n.text.slice(1, -1));
    case "ansi_c_string": {
      const v = decodeAnsiC(n.text.slice(2, -1));
      return v === null ? unknown(`${n.text} (an escape we do not model)`, false) : lit(v);
    }
    case "string":
    case "translated_string": {
      const parts: Word[] = [];
      // string_content holds the text between expansions; the raw text of the string keeps escapes.
      for (const c of n.namedChildren) {
        if (c.type === "string_content") parts.push(lit(unescapeDouble(c.text)));
        else parts.push(evalWord(c, s, false));
      }
      const w = concat(parts.length ? parts : [lit("")]);
      return { ...w, glob: false };
    }
    case "simple_expansion": {
      const name = n.namedChildren[0];
      if (!name || (name.type !== "variable_name" && name.type !== "special_variable_name")) return unknown(n.text);
      return variable(name.text, s, n.text);
    }
    case "expansion":
      return expansion(n, s);
    case "command_substitution":
    case "process_substitution": {
      const kind = n.type === "command_substitution" ? "command" : "process";
      const download = s.onSubstitution(n, kind);
      return { ...unknown(`${kind} substitution ${n.text.slice(0, 80)}`), download };
    }
    case "arithmetic_expansion":
      return unknown(`arithmetic ${n.text.slice(0, 80)}`);
    case "brace_expression":
      return unknown(`brace expansion ${n.text}`, false);
    case "concatenation": {
      const kids = n.namedChildren;
      // tree-sitter splits `{/,/tmp}` into `{`, `/,/tmp`, `}`: expand literal braces as bash does.
      if (/[{}]/.test(n.text) && /,/.test(n.text)) {
        if (kids.every((c) => c.type === "word")) {
          const expanded = braceExpand(kids.map((c) => c.text).join(""));
          if (expanded)
            return {
              values: expanded.map((v) => unescapeBare(v)),
              expanded: false,
              unknown: null,
              glob: expanded.some((v) => /[*?[]/.test(v)),
            };
        }
        return unknown(`brace expansion ${n.text.slice(0, 80)}`, false);
      }
      // Anonymous pieces (a bare `}` or `$`) make the concatenation's text differ from its parts: not modelled.
      if (n.children.length !== kids.length) return unknown(`word ${n.text.slice(0, 80)}`, false);
      return concat(kids.map((c, i) => evalWord(c, s, first && i === 0)));
    }
    default:
      return unknown(`${n.type} ${n.text.slice(0, 80)}`, false);
  }
}
