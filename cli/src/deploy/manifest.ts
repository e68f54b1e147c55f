/** The Slack app manifest (src/slack/manifest.yaml) with one deployment's request URLs filled in. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "../client";

const PLACEHOLDER = "https://YOUR-HOST";

/** The checkout this CLI runs from (the bundle in cli/dist/ and the sources in cli/src/ both live in it). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "wrangler.toml")) || !existsSync(join(dir, "src", "slack", "manifest.yaml"))) {
    const up = dirname(dir);
    if (up === dir) throw new CliError("cannot find the bgagent checkout (wrangler.toml) above the CLI", "NOT_FOUND");
    dir = up;
  }
  return dir;
}

/** The service's base URL as Slack needs it: https, no query or fragment, no trailing slash. */
export function slackBaseUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new CliError(`--url ${raw} is not a URL (e.g. https://bgagent.example.workers.dev)`, "USAGE");
  }
  if (u.protocol !== "https:") throw new CliError("--url must be https: Slack sends requests only to https URLs", "USAGE");
  if (u.search || u.hash || u.username || u.password) throw new CliError("--url must not have credentials, a query or a fragment", "USAGE");
  return `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
}

export function renderManifest(yaml: string, url: string): string {
  const base = slackBaseUrl(url);
  if (!yaml.includes(PLACEHOLDER)) throw new CliError(`the manifest has no ${PLACEHOLDER} placeholder`, "BAD_MANIFEST");
  // The template's comments tell a reader to replace YOUR-HOST by hand: done, so say where they point instead.
  const body = yaml
    .split("\n")
    .filter((l) => !(l.trimStart().startsWith("#") && l.includes("YOUR-HOST")))
    .join("\n");
  return `# Request URLs point at ${base} (printed by \`bgagent slack manifest\`).\n${body.split(PLACEHOLDER).join(base)}`;
}

export const readManifestTemplate = (): string => readFileSync(join(projectRoot(), "src", "slack", "manifest.yaml"), "utf8");
