/**
 * Transactional outbox kept in the TaskDO's own SQLite storage. A state change writes its D1
 * records and queue messages here in the same transaction; `flush()` delivers them in order
 * (strict FIFO: a queue message never overtakes the D1 record it describes) and the DO alarm
 * retries whatever is left. A failure delays a record or a message; it never loses one.
 */
import { log } from "../shared/log";
import type { DispatchMessage } from "../shared/types";
import { type RecordOp, statementFor } from "../store/records";

type Entry = { kind: "d1"; body: RecordOp } | { kind: "queue"; body: DispatchMessage };

interface Row {
  seq: number;
  kind: Entry["kind"];
  body: string;
  attempts: number;
  [key: string]: SqlStorageValue;
}

const MAX_BACKOFF_MS = 60_000;
/** After this many failed deliveries of a D1 run while D1 itself answers, look for a record D1 refuses. */
export const POISON_ATTEMPTS = 8; // about 3 minutes of backoff
export const backoffMs = (attempts: number): number => Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempts);

export interface OutboxTargets {
  db: D1Database;
  queue: Queue<DispatchMessage>;
}

export class Outbox {
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly targets: () => OutboxTargets,
    private readonly taskId: () => string,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      body TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER NOT NULL,
      last_error TEXT)`);
    // Records D1 refused while it answered everything else: kept here (never dropped), logged, and
    // out of the way so the task's later records still reach D1.
    sql.exec(`CREATE TABLE IF NOT EXISTS outbox_set_aside (
      seq INTEGER PRIMARY KEY, body TEXT NOT NULL, error TEXT NOT NULL, at INTEGER NOT NULL)`);
  }

  setAside(): Array<{ seq: number; body: string; error: string }> {
    return this.sql
      .exec<{ seq: number; body: string; error: string }>("SELECT seq, body, error FROM outbox_set_aside ORDER BY seq")
      .toArray();
  }

  /** Call inside the state change's transaction. */
  add(entry: Entry, now = Date.now()): void {
    this.sql.exec("INSERT INTO outbox (kind, body, next_at) VALUES (?, ?, ?)", entry.kind, JSON.stringify(entry.body), now);
  }

  pending(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
  }

  /**
   * When the alarm should next retry, or null when empty: the head row's time. Delivery is strict
   * FIFO, so rows behind a failed run (whose next_at is never pushed back) must not make the alarm
   * fire early, again and again.
   */
  nextDue(): number | null {
    const r = this.sql.exec<{ t: number }>("SELECT next_at AS t FROM outbox ORDER BY seq LIMIT 1").toArray()[0];
    return r?.t ?? null;
  }

  /** Deliver everything in order; concurrent callers share one run. Never throws. */
  flush(): Promise<void> {
    if (!this.flushing) this.flushing = this.drain().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const rows = this.sql.exec<Row>("SELECT seq, kind, body, attempts FROM outbox ORDER BY seq LIMIT 50").toArray();
      if (rows.length === 0) return;
      // Deliver the leading run of rows of one kind as one batch.
      const end = rows.findIndex((r) => r.kind !== rows[0].kind);
      const run = end === -1 ? rows : rows.slice(0, end);
      try {
        await this.deliver(run);
      } catch (err) {
        const attempts = run[0].attempts + 1;
        if (run[0].kind === "d1" && attempts >= POISON_ATTEMPTS && (await this.d1Answers())) {
          await this.isolatePoison(run);
          continue;
        }
        const message = err instanceof Error ? err.message : String(err);
        for (const r of run) {
          this.sql.exec(
            "UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE seq = ?",
            Date.now() + backoffMs(attempts),
            message.slice(0, 500),
            r.seq,
          );
        }
        log("outbox.flush_failed", { task_id: this.taskId(), kind: run[0].kind, rows: run.length, attempts, error: message }, "warn");
        return;
      }
      const last = run[run.length - 1].seq;
      this.sql.exec("DELETE FROM outbox WHERE seq <= ?", last);
    }
  }

  private async d1Answers(): Promise<boolean> {
    try {
      const { db } = this.targets();
      await db.batch([db.prepare("SELECT 1")]);
      return true;
    } catch {
      return false;
    }
  }

  /** D1 is up but refuses this run: deliver it row by row, in order, and set aside the rows it refuses. */
  private async isolatePoison(run: Row[]): Promise<void> {
    for (const r of run) {
      try {
        await this.deliver([r]);
        this.sql.exec("DELETE FROM outbox WHERE seq = ?", r.seq);
      } catch (err) {
        const error = (err instanceof Error ? err.message : String(err)).slice(0, 500);
        this.sql.exec(
          "INSERT OR REPLACE INTO outbox_set_aside (seq, body, error, at) VALUES (?, ?, ?, ?)",
          r.seq,
          r.body,
          error,
          Date.now(),
        );
        this.sql.exec("DELETE FROM outbox WHERE seq = ?", r.seq);
        log("outbox.record_set_aside", { task_id: this.taskId(), seq: r.seq, op: (JSON.parse(r.body) as RecordOp).op, error }, "error");
      }
    }
  }

  private async deliver(run: Row[]): Promise<void> {
    const { db, queue } = this.targets();
    if (run[0].kind === "d1") {
      await db.batch(run.map((r) => statementFor(db, JSON.parse(r.body) as RecordOp)));
    } else {
      await queue.sendBatch(run.map((r) => ({ body: JSON.parse(r.body) as DispatchMessage })));
    }
  }
}
