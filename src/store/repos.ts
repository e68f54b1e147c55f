import { type Blueprint, BlueprintSchema } from "../shared/blueprint";
import { iso } from "../shared/clock";

export interface RepoRecord {
  repo: string;
  blueprint: Blueprint;
  created_at: string;
  updated_at: string;
}

interface Row {
  id: string;
  blueprint: string;
  created_at: string;
  updated_at: string;
}

const toRecord = (r: Row): RepoRecord => ({
  repo: r.id,
  // Parsed on read so defaults added since the row was written always apply.
  blueprint: BlueprintSchema.parse(JSON.parse(r.blueprint)),
  created_at: r.created_at,
  updated_at: r.updated_at,
});

export async function putRepo(db: D1Database, repo: string, blueprint: Blueprint): Promise<RepoRecord> {
  const now = iso();
  const row = await db
    .prepare(
      `INSERT INTO repos (id, blueprint, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
       ON CONFLICT (id) DO UPDATE SET blueprint = excluded.blueprint, updated_at = excluded.updated_at
       RETURNING id, blueprint, created_at, updated_at`,
    )
    .bind(repo, JSON.stringify(blueprint), now)
    .first<Row>();
  return toRecord(row!);
}

export async function getRepo(db: D1Database, repo: string): Promise<RepoRecord | null> {
  const row = await db.prepare("SELECT id, blueprint, created_at, updated_at FROM repos WHERE id = ?").bind(repo).first<Row>();
  return row ? toRecord(row) : null;
}

export async function listRepos(db: D1Database): Promise<RepoRecord[]> {
  const { results } = await db.prepare("SELECT id, blueprint, created_at, updated_at FROM repos ORDER BY id").all<Row>();
  return results.map(toRecord);
}

/** Onboard only: null when the repo already exists (its blueprint untouched). */
export async function insertRepoIfAbsent(db: D1Database, repo: string, blueprint: Blueprint): Promise<RepoRecord | null> {
  const now = iso();
  const row = await db
    .prepare(
      `INSERT INTO repos (id, blueprint, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
       ON CONFLICT (id) DO NOTHING RETURNING id, blueprint, created_at, updated_at`,
    )
    .bind(repo, JSON.stringify(blueprint), now)
    .first<Row>();
  return row ? toRecord(row) : null;
}
