import { iso } from "../shared/clock";

export async function recordDeadLetter(db: D1Database, queue: string, id: string, body: unknown, attempts: number): Promise<void> {
  await db
    .prepare("INSERT OR IGNORE INTO dead_letters (id, queue, message, attempts, created_at) VALUES (?, ?, ?, ?, ?)")
    .bind(id, queue, JSON.stringify(body), attempts, iso())
    .run();
}
