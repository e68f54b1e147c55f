import { CliError, Client } from "./client";
import { loadConfig } from "./config";

export function client(): Client {
  const cfg = loadConfig();
  if (!cfg)
    throw new CliError(
      "not logged in: run `bgagent login --url <url> --token <token>` (or set BGAGENT_URL and BGAGENT_TOKEN)",
      "NOT_LOGGED_IN",
    );
  return new Client(cfg);
}

/** `owner/repo` or `owner/repo#42`. */
export function parseRepoRef(ref: string): { repo: string; issue_number?: number } {
  const m = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)(?:#(\d+))?$/.exec(ref.trim());
  if (!m) throw new CliError(`"${ref}" is not a repo: use owner/repo or owner/repo#42`, "USAGE");
  return m[2] ? { repo: m[1], issue_number: Number(m[2]) } : { repo: m[1] };
}
