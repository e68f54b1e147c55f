/** fnmatch-style globs for scopes: `*` any run (slashes included), `?` one char, `[abc]` / `[!abc]` a class. */
const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (re) return re;
  let src = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "*") src += ".*";
    else if (ch === "?") src += ".";
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) src += "\\[";
      else {
        let body = glob.slice(i + 1, end);
        const negate = body.startsWith("!");
        if (negate) body = body.slice(1);
        src += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
        i = end;
      }
    } else src += ch.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  re = new RegExp(`^${src}$`, "s");
  if (cache.size > 500) cache.clear();
  cache.set(glob, re);
  return re;
}

export const globMatch = (glob: string, text: string): boolean => globToRegExp(glob).test(text);
