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

export async function principalExists(db: D1Database, table: PrincipalTable, id: string): Promise<boolean> {
  return (await db.prepare(`SELECT 1 AS x FROM ${table} WHERE id = ?`).bind(id).first()) !== null;
}
