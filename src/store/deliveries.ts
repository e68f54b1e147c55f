/** Side effects recorded per (event_id, channel), so a redelivered message does nothing twice. */
import { iso } from "../shared/clock";
import type { DispatchChannel } from "../shared/events";
import type { Outcome } from "../shared/outcome";
import type { TaskEvent } from "../shared/types";

export interface DeliveryRow {
  event_id: string;
  status: string;
  slack_channel: string | null;
  slack_ts: string | null;
  github_comment_id: string | null;
}

export async function deliveryDone(db: D1Database, eventId: string, channel: DispatchChannel): Promise<boolean> {
  return (await db.prepare("SELECT 1 AS x FROM deliveries WHERE event_id = ? AND channel = ?").bind(eventId, channel).first()) !== null;
}

/** The delivery that produced a named thing ("created", "approval:<rid>", ...) for a task. */
export async function findDelivery(db: D1Database, taskId: string, channel: DispatchChannel, ref: string): Promise<DeliveryRow | null> {
  return db
    .prepare(
      "SELECT event_id, status, slack_channel, slack_ts, github_comment_id FROM deliveries WHERE task_id = ? AND channel = ? AND ref = ? LIMIT 1",
    )
    .bind(taskId, channel, ref)
    .first<DeliveryRow>();
}

export async function recordDelivery(
  db: D1Database,
  event: TaskEvent,
  channel: DispatchChannel,
  o: Exclude<Outcome, { result: "retry" }>,
  ref: string | null,
  attempts = 1,
): Promise<void> {
  const sent = o.result === "sent" ? o : null;
  await db
    .prepare(
      `INSERT OR IGNORE INTO deliveries (event_id, channel, task_id, status, slack_channel, slack_ts, github_comment_id, detail, ref, attempts, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      event.event_id,
      channel,
      event.task_id,
      o.result,
      sent?.slack_channel ?? null,
      sent?.slack_ts ?? null,
      sent?.github_comment_id ?? null,
      o.detail ?? null,
      o.result === "skipped" ? null : ref,
      attempts,
      iso(),
    )
    .run();
}
