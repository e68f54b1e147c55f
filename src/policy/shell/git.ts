/**
 * What a git command line does, from its literal words: where a push goes (remote, destination
 * branches, force, delete, mirror, or "unknown" when git would pick it from configuration), which
 * configuration keys it sets that make git run programs, and aliases defined with `-c alias.*`.
 */

export interface GitEffect {
  subcommand: string;
  force: boolean;
  remote: string;
  /** Destination branches ("*" for --all/--mirror/globs); empty when git decides from config. */
  targets: string[];
  unknown_destination: boolean;
  delete: boolean;
  mirror: boolean;
  /** Config keys set (lower case) that make git execute something or redirect remotes. */
  exec_config: string[];
}

/** A push to these branches (or to one git picks from its configuration). */
export const pushTo = (targets: string[], unknownDestination = false): GitEffect => ({
  subcommand: "push",
  force: false,
  remote: "",
  targets,
  unknown_destination: unknownDestination,
  delete: false,
  mirror: false,
  exec_config: [],
});

export interface ParsedGit {
  git: GitEffect;
  /** Words after the subcommand. */
  rest: string[];
  /** `-C dir` options, applied in order to the working directory. */
  chdirs: string[];
  /** `-c alias.X=!cmd` shell aliases invoked here: their command runs through sh. */
  shell_alias: string | null;
  /** The subcommand is neither a git command we know nor an alias defined on this line. */
  unknown_subcommand: boolean;
  /** `--work-tree` / `--git-dir` values ("$?" when not literal), null when not given. */
  work_tree: string | null;
  git_dir: string | null;
}

const GLOBAL_WITH_VALUE = new Set([
  "-C",
  "-c",
  "--git-dir",
  "--work-tree",
  "--namespace",
  "--config-env",
  "--exec-path",
  "--super-prefix",
  "--list-cmds",
  "--attr-source",
]);
const PUSH_WITH_VALUE = new Set(["-o", "--push-option", "--repo", "--receive-pack", "--exec"]);

import { expandLong } from "./options";

/** Config keys that make git run a program, load other config, or send pushes elsewhere. */
export const EXEC_CONFIG =
  /^(core\.(hookspath|sshcommand|fsmonitor|editor|pager|askpass|gitproxy|worktree)|sequence\.editor|diff\.external|(diff|filter|merge|difftool|mergetool)\..+|credential(\..+)?\.helper|gpg(\..+)?\.program|alias\..+|include\.path|includeif\..+|uploadpack\..+|receive\..+|url\..+\.(insteadof|pushinsteadof)|remote\..+\.(url|pushurl|push|receivepack|uploadpack|vcs|proxy)|pager\..+|interactive\.difffilter|ssh\.variant|protocol(\..+)?\.allow|submodule\..+\.update|core\.alternaterefs(command|prefixes)|lfs\..+|sendemail\..+|uploadarchive\..+|http\..*proxy.*|core\.askpass|trailer\..+\.(cmd|command)|init\.templatedir|gpg\..+|browser\..+|man\..+\.(cmd|path)|web\.browser|remote\.pushdefault|push\.default|branch\..+\.(remote|pushremote|merge))$/;

/** Porcelain and plumbing git ships (an unknown word is an alias or an extension we cannot see). */
const KNOWN = new Set(
  (
    "add am annotate apply archive bisect blame branch bundle cat-file check-attr check-ignore check-mailmap check-ref-format checkout " +
    "checkout-index cherry cherry-pick citool clean clone column commit commit-graph commit-tree config count-objects credential describe " +
    "diff diff-files diff-index diff-tree difftool fast-export fast-import fetch fetch-pack filter-branch fmt-merge-msg for-each-ref " +
    "format-patch fsck gc get-tar-commit-id grep gui hash-object help init instaweb interpret-trailers log ls-files ls-remote ls-tree " +
    "maintenance merge merge-base merge-file merge-tree mergetool mktag mktree mv name-rev notes pack-objects pack-refs prune pull push " +
    "range-diff read-tree rebase reflog remote repack replace request-pull reset restore rev-list rev-parse revert rm send-pack " +
    "shortlog show show-branch show-ref sparse-checkout stash status stripspace submodule switch symbolic-ref tag unpack-objects " +
    "update-index update-ref verify-commit verify-pack verify-tag version whatchanged worktree write-tree var lfs"
  ).split(" "),
);

/** Split an alias value the way git does (whitespace, simple quotes). */
const splitAlias = (v: string): string[] => (v.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^["']|["']$/g, ""));

function pushEffect(git: GitEffect, args: string[]): void {
  const positional: string[] = [];
  for (let j = 0; j < args.length; j++) {
    const w = args[j];
    if (PUSH_WITH_VALUE.has(w)) {
      j++;
      continue;
    }
    if (w === "--") {
      positional.push(...args.slice(j + 1));
      break;
    }
    if (w.startsWith("--")) {
      const name = expandLong(w.split("=")[0], [
        "--force",
        "--force-with-lease",
        "--force-if-includes",
        "--delete",
        "--prune",
        "--mirror",
        "--all",
        "--branches",
        "--tags",
        "--repo",
        "--receive-pack",
        "--exec",
        "--push-option",
        "--set-upstream",
        "--dry-run",
      ]);
      if (["--force", "--force-with-lease", "--force-if-includes"].includes(name)) git.force = true;
      if (name === "--delete" || name === "--prune") git.delete = true;
      if (name === "--mirror") git.mirror = true;
      if (name === "--all" || name === "--mirror" || name === "--branches") git.targets.push("*");
    } else if (w.startsWith("-") && w.length > 1) {
      if (w.includes("f")) git.force = true;
      if (w.includes("d")) git.delete = true;
    } else positional.push(w);
  }
  git.remote = positional[0] ?? "";
  const specs = positional.slice(1);
  for (const spec of specs) {
    if (spec.startsWith("+")) git.force = true;
    const body = spec.replace(/^\+/, "");
    const colon = body.indexOf(":");
    if (colon === 0) git.delete = true; // ":branch" deletes the remote branch
    // git matches a short destination against refs/ and refs/heads/: `heads/main` is main.
    const dst = (colon === -1 ? body : body.slice(colon + 1)).replace(/^(refs\/)?heads\//, "");
    if (dst === "HEAD" || dst === "@" || dst === "" || dst.includes("$?")) git.unknown_destination = true;
    else if (dst.includes("*")) git.targets.push("*");
    else git.targets.push(dst);
  }
  // No refspec (or HEAD): git picks the branch from push.default and the upstream, which we cannot see.
  if (!git.remote || specs.length === 0) {
    if (!git.mirror && !git.targets.includes("*")) git.unknown_destination = true;
  }
  if (git.delete || git.mirror) git.force = true;
}

function sendPackEffect(git: GitEffect, args: string[]): void {
  const positional = args.filter((w) => !w.startsWith("-"));
  for (const w of args) {
    if (w === "--force" || w === "-f") git.force = true;
    if (w === "--mirror") git.mirror = git.force = true;
    if (w === "--all" || w === "--mirror") git.targets.push("*");
  }
  pushEffect(git, [...(git.force ? ["--force"] : []), positional[0] ?? "", ...positional.slice(1)].filter(Boolean));
  if (git.mirror) git.unknown_destination = false;
}

function configKeys(args: string[]): string[] {
  // Renaming a section can turn harmless keys into executing ones (`foo.st` -> `alias.st`).
  const rename = args.findIndex((a) => a === "--rename-section" || a === "rename-section");
  if (rename !== -1) return [`${(args[rename + 2] ?? "alias").toLowerCase()}.renamed`, "alias.renamed"];
  const READS = new Set([
    "--get",
    "--get-all",
    "--get-regexp",
    "--list",
    "-l",
    "--unset",
    "--unset-all",
    "--remove-section",
    "--rename-section",
    "get",
    "list",
    "unset",
  ]);
  if (args.some((a) => READS.has(a))) return [];
  const positional = args.filter((a) => !a.startsWith("-") && a !== "set");
  const withValue = new Set(["--file", "-f", "--blob", "--type", "--default", "--comment"]);
  const keys: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (withValue.has(args[i])) positional.splice(positional.indexOf(args[i + 1]), 1);
  }
  if (positional.length >= 2) keys.push(positional[0].toLowerCase());
  return keys;
}

export function parseGit(argv: string[], depth = 0): ParsedGit {
  const chdirs: string[] = [];
  const exec: string[] = [];
  let workTree: string | null = null;
  let gitDir: string | null = null;
  const aliases = new Map<string, string>();
  let i = 1;
  while (i < argv.length && argv[i].startsWith("-")) {
    const w = argv[i];
    const [name, inline] = w.includes("=") && w.startsWith("--") ? [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)] : [w, null];
    const value = inline ?? (GLOBAL_WITH_VALUE.has(name) ? argv[i + 1] : undefined);
    if (name === "-C" && value !== undefined) chdirs.push(value);
    if (name === "--work-tree" && value !== undefined) workTree = value;
    if (name === "--git-dir" && value !== undefined) gitDir = value;
    if ((name === "-c" || name === "--config-env") && value !== undefined) {
      const key = value.split("=")[0].toLowerCase();
      if (EXEC_CONFIG.test(key)) exec.push(key);
      if (key.startsWith("alias.")) aliases.set(key.slice(6), value.slice(value.indexOf("=") + 1));
    }
    i += inline === null && GLOBAL_WITH_VALUE.has(name) ? 2 : 1;
  }
  const sub = argv[i] ?? "";
  const rest = argv.slice(i + 1);
  let shellAlias: string | null = null;
  const alias = aliases.get(sub.toLowerCase());
  if (alias !== undefined) {
    if (alias.startsWith("!")) shellAlias = alias.slice(1);
    else if (depth < 3) {
      const expanded = parseGit(["git", ...splitAlias(alias), ...rest], depth + 1);
      expanded.git.exec_config.push(...exec);
      expanded.chdirs.unshift(...chdirs);
      expanded.work_tree ??= workTree;
      expanded.git_dir ??= gitDir;
      return expanded;
    }
  }
  const git: GitEffect = {
    subcommand: sub,
    force: false,
    remote: "",
    targets: [],
    unknown_destination: false,
    delete: false,
    mirror: false,
    exec_config: exec,
  };
  if (sub === "push") pushEffect(git, rest);
  else if (sub === "send-pack") {
    git.subcommand = "push";
    sendPackEffect(git, rest);
  } else if (sub === "config") git.exec_config.push(...configKeys(rest).filter((k) => EXEC_CONFIG.test(k)));
  return {
    git,
    rest,
    chdirs,
    shell_alias: shellAlias,
    unknown_subcommand: sub !== "" && alias === undefined && !KNOWN.has(sub),
    work_tree: workTree,
    git_dir: gitDir,
  };
}

/** git subcommands that only read (read-only tasks may run them). */
export function gitReadOnly(sub: string, rest: string[]): boolean {
  const positional = rest.filter((a) => !a.startsWith("-"));
  switch (sub) {
    case "log":
    case "show":
    case "diff":
    case "status":
    case "blame":
    case "rev-parse":
    case "ls-files":
    case "ls-tree":
    case "cat-file":
    case "grep":
    case "describe":
    case "shortlog":
    case "rev-list":
    case "whatchanged":
    case "name-rev":
    case "merge-base":
    case "for-each-ref":
    case "show-ref":
    case "count-objects":
    case "var":
    case "version":
    case "help":
    case "check-ignore":
    case "check-attr":
    case "annotate":
    case "show-branch":
    case "ls-remote":
      return !rest.some(
        (a) => a === "--output" || a.startsWith("--output=") || a === "-o" || a.startsWith("-O") || a.startsWith("--open-files-in-pager"),
      );
    case "branch":
    case "tag": {
      // Listing only: every option one that lists or filters (`-u`, `--set-upstream-to`, `-d`, `-m` change refs).
      const listing =
        /^(-[arvlnq]+|-vv|--(list|all|remotes|show-current|contains|no-contains|merged|no-merged|sort|format|points-at|column|no-column|color|no-color|verbose|ignore-case|omit-empty)(=.*)?)$/;
      return (
        rest.every((a) => !a.startsWith("-") || listing.test(a)) &&
        (positional.length === 0 || rest.some((a) => a === "--list" || a === "-l"))
      );
    }
    case "remote":
      return positional.length === 0 || ["show", "get-url"].includes(positional[0]);
    case "config":
      return rest.some((a) => ["--get", "--get-all", "--get-regexp", "--list", "-l", "get", "list"].includes(a));
    case "stash":
      return ["list", "show"].includes(positional[0] ?? "");
    case "reflog":
      return positional.length === 0 || positional[0] === "show";
    default:
      return false;
  }
}
