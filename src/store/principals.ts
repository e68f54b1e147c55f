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

/** Every distinct set of runner repo globs (null: a runner without limits): the runner pools there are. */
export async function runnerPoolGlobs(db: D1Database): Promise<Array<string[] | null>> {
  const { results } = await db.prepare("SELECT DISTINCT repos FROM runners").all<{ repos: string | null }>();
  return results.map((r) => (r.repos ? (JSON.parse(r.repos) as string[]) : null));
}

export async function setRunnerRepoGlobs(db: D1Database, runnerId: string, globs: string[]): Promise<void> {
  await db.prepare("UPDATE runners SET repos = ? WHERE id = ?").bind(JSON.stringify(globs), runnerId).run();
}

export async function principalExists(db: D1Database, table: PrincipalTable, id: string): Promise<boolean> {
  return (await db.prepare(`SELECT 1 AS x FROM ${table} WHERE id = ?`).bind(id).first()) !== null;
}
