/**
 * pr_url is agent-written text that ends up behind buttons and links: accept only an https URL
 * of the task's own repo on the configured GitHub host (GITHUB_WEB_BASE_URL), without
 * credentials, query or fragment. Returns the normalised URL, or why not.
 */
const PATH_REST = /^[A-Za-z0-9._~%/-]*$/;

export function checkPrUrl(raw: unknown, repo: string, webBase: string): { url: string } | { problem: string } {
  const expected = `an https URL of ${repo} on ${webBase}`;
  if (typeof raw !== "string" || raw.length > 500) return { problem: `pr_url must be ${expected}.` };
  let url: URL;
  let base: URL;
  try {
    url = new URL(raw);
    base = new URL(webBase.endsWith("/") ? webBase : `${webBase}/`);
  } catch {
    return { problem: `pr_url must be ${expected}.` };
  }
  const prefix = `${base.pathname}${repo}`.toLowerCase();
  const path = url.pathname;
  const inRepo = path.toLowerCase() === prefix || path.toLowerCase().startsWith(`${prefix}/`);
  if (
    url.protocol !== "https:" ||
    url.origin !== base.origin ||
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    !inRepo ||
    !PATH_REST.test(path.slice(prefix.length))
  ) {
    return { problem: `pr_url must be ${expected} (no credentials, query or fragment).` };
  }
  return { url: url.href };
}
