import { iso } from "../shared/clock";

export interface DeadLetter {
  id: string;
  queue: string;
  message: unknown;
  attempts: number;
  /** Why it was dead-lettered at once (a permanent failure); null when the queue moved it after its retries. */
  reason: string | null;
  task_id: string | null;
  created_at: string;
  replayed_at: string | null;
}

type Row = Omit<DeadLetter, "message"> & { message: string };
const toDeadLetter = (r: Row): DeadLetter => ({ ...r, message: JSON.parse(r.message) });

const taskIdOf = (body: unknown): string | null => {
  const id = (body as { event?: { task_id?: unknown } } | null)?.event?.task_id;
  return typeof id === "string" ? id : null;
};

export async function recordDeadLetter(
  db: D1Database,
  queue: string,
  id: string,
  body: unknown,
  attempts: number,
  reason: string | null = null,
): Promise<void> {
  await db
    .prepare("INSERT OR IGNORE INTO dead_letters (id, queue, message, attempts, reason, task_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .bind(id, queue, JSON.stringify(body), attempts, reason, taskIdOf(body), iso())
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
