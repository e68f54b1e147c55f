import { iso } from "../shared/clock";

export interface DeadLetter {
  id: string;
  queue: string;
  message: unknown;
  attempts: number;
  created_at: string;
  replayed_at: string | null;
}

type Row = Omit<DeadLetter, "message"> & { message: string };
const toDeadLetter = (r: Row): DeadLetter => ({ ...r, message: JSON.parse(r.message) });

export async function recordDeadLetter(db: D1Database, queue: string, id: string, body: unknown, attempts: number): Promise<void> {
  await db
    .prepare("INSERT OR IGNORE INTO dead_letters (id, queue, message, attempts, created_at) VALUES (?, ?, ?, ?, ?)")
    .bind(id, queue, JSON.stringify(body), attempts, iso())
    .run();
}

export async function listDeadLetters(db: D1Database, limit: number): Promise<DeadLetter[]> {
  const { results } = await db.prepare("SELECT * FROM dead_letters ORDER BY created_at DESC LIMIT ?").bind(limit).all<Row>();
  return results.map(toDeadLetter);
}

export async function getDeadLetter(db: D1Database, id: string): Promise<DeadLetter | null> {
  const r = await db.prepare("SELECT * FROM dead_letters WHERE id = ?").bind(id).first<Row>();
  return r ? toDeadLetter(r) : null;
}

export async function markReplayed(db: D1Database, id: string): Promise<void> {
  await db.prepare("UPDATE dead_letters SET replayed_at = ? WHERE id = ?").bind(iso(), id).run();
}
