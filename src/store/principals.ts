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
