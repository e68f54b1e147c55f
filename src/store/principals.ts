/** Users and runners (the principals behind user and runner tokens). */
import { iso } from "../shared/clock";
import { newId } from "../shared/ids";

export type PrincipalTable = "users" | "runners";

export async function createPrincipal(db: D1Database, table: PrincipalTable, name: string): Promise<{ id: string; created_at: string }> {
  const id = newId();
  const created_at = iso();
  await db.prepare(`INSERT INTO ${table} (id, name, created_at) VALUES (?, ?, ?)`).bind(id, name, created_at).run();
  return { id, created_at };
}

/** A runner's repo globs (lower case), or null when it may take any repo's tasks. */
export async function runnerRepoGlobs(db: D1Database, runnerId: string): Promise<string[] | null> {
  const row = await db.prepare("SELECT repos FROM runners WHERE id = ?").bind(runnerId).first<{ repos: string | null }>();
  return row?.repos ? (JSON.parse(row.repos) as string[]) : null;
}

export async function setRunnerRepoGlobs(db: D1Database, runnerId: string, globs: string[]): Promise<void> {
  await db.prepare("UPDATE runners SET repos = ? WHERE id = ?").bind(JSON.stringify(globs), runnerId).run();
}

export async function principalExists(db: D1Database, table: PrincipalTable, id: string): Promise<boolean> {
  return (await db.prepare(`SELECT 1 AS x FROM ${table} WHERE id = ?`).bind(id).first()) !== null;
}

export interface PrincipalSummary {
  id: string;
  name: string;
  created_at: string;
  /** Tokens not revoked: 0 means the principal can no longer call the API. */
  active_tokens: number;
  /** Runners only: repo globs (null = any repo). */
  repos?: string[] | null;
}

/** Users or runners, oldest first, with how many live tokens each has (for `bgagent admin users|runners`). */
export async function listPrincipals(db: D1Database, table: PrincipalTable, limit: number): Promise<PrincipalSummary[]> {
  const repos = table === "runners" ? ", p.repos" : "";
  const { results } = await db
    .prepare(
      `SELECT p.id, p.name, p.created_at${repos},
              (SELECT COUNT(*) FROM api_tokens t WHERE t.subject_id = p.id AND t.revoked_at IS NULL) AS active_tokens
       FROM ${table} p ORDER BY p.created_at, p.id LIMIT ?`,
    )
    .bind(limit)
    .all<{ id: string; name: string; created_at: string; active_tokens: number; repos?: string | null }>();
  return results.map((r) => ({
    id: r.id,
    name: r.name,
    created_at: r.created_at,
    active_tokens: r.active_tokens,
    ...(table === "runners" ? { repos: r.repos ? (JSON.parse(r.repos) as string[]) : null } : {}),
  }));
}

/** The ids among `ids` that are not users (so a blueprint cannot name an approver who does not exist). */
export async function unknownUsers(db: D1Database, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(`SELECT id FROM users WHERE id IN (${ids.map(() => "?").join(", ")})`)
    .bind(...ids)
    .all<{ id: string }>();
  const known = new Set(results.map((r) => r.id));
  return ids.filter((id) => !known.has(id));
}
