/**
 * getopt_long and git accept any unambiguous prefix of a long option (`--rec` is --recursive,
 * `--target-dir` is --target-directory): the gate reads options the same way.
 */

/** Long options the gate's rules depend on: an abbreviation of exactly one of them means it. */
const LONG_OPTIONS = [
  "--recursive",
  "--force",
  "--force-with-lease",
  "--force-if-includes",
  "--delete",
  "--mirror",
  "--in-place",
  "--no-preserve-root",
  "--remove-files",
  "--remove-source-files",
  "--split-string",
  "--target-directory",
  "--output-document",
  "--upload-pack",
  "--receive-pack",
  "--template",
  "--separate-git-dir",
  "--work-tree",
  "--git-dir",
  "--set-upstream-to",
  "--open-files-in-pager",
  "--to-command",
  "--use-compress-program",
  "--extcmd",
  "--symbolic-link",
  "--no-dereference",
];

export function expandLong(name: string, known: readonly string[] = LONG_OPTIONS): string {
  if (name.length < 3) return name;
  for (const list of [known, LONG_OPTIONS]) {
    if (list.includes(name)) return name;
    if (list === LONG_OPTIONS && name.length < 5) return name;
    const hits = list.filter((k) => k.startsWith("--") && k.startsWith(name));
    if (hits.length === 1) return hits[0];
    if (hits.length > 1) return name;
  }
  return name;
}
