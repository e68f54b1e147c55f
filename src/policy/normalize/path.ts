/** Path normalisation for write rules: relative to the repository root, `.`/`..`/`//` resolved. */

export interface NormalisedPath {
  /** Repository-relative path, or the absolute/escaping path as given (normalised) when outside. */
  path: string;
  name: string;
  outside_repo: boolean;
}

export function normalisePath(raw: string): NormalisedPath {
  const input = raw.trim();
  const absolute = input.startsWith("/");
  const home = input === "~" || input.startsWith("~/") || input.startsWith("$HOME") || input.startsWith("${HOME}");
  const out: string[] = [];
  let escaped = false;
  for (const seg of input.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) {
        escaped = true;
        out.push("..");
      }
      continue;
    }
    out.push(seg);
  }
  const joined = out.join("/");
  const path = absolute ? `/${joined}` : joined || ".";
  return { path, name: out.length ? out[out.length - 1] : path, outside_repo: absolute || home || escaped };
}
