/** Globs for scopes and blueprint lists: `*` any run (slashes included), `?` one character, nothing else special. */
const cache = new Map<string, RegExp>();

export function globMatch(glob: string, text: string): boolean {
  let re = cache.get(glob);
  if (!re) {
    re = new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\/]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
      "s",
    );
    if (cache.size > 500) cache.clear();
    cache.set(glob, re);
  }
  return re.test(text);
}
