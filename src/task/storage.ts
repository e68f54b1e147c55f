/**
 * The TaskDO's own SQLite storage: a small key-value table (the task, its policy snapshot, its
 * policy session, flags), the approvals, gate counts and the outbox. `commit` is the one way a
 * state change is written: state, approvals, audit events and their D1 records and dispatch
 * messages in one transaction.
 */
import type { PolicySession } from "../policy/session";
import { emptySession } from "../policy/session";
import type { ApprovalRecord } from "../shared/approval";
import { iso } from "../shared/clock";
import { channelsFor, homeEventOf, type NewEvent } from "../shared/events";
import { newId } from "../shared/ids";
import type { TaskPolicy } from "../shared/rpc";
import type { TaskEvent } from "../shared/types";
import { type QueuedDenial, storedApproval } from "./approvals";
import { Outbox, type OutboxTargets } from "./outbox";
import { type TaskState, view } from "./state";

/** Keys of the kv table. */
type Key = "task" | "policy" | "session" | "denials" | "hb_recorded" | "stats_due" | "alarm_failures" | "token_revoked_at";

/** How often a heartbeat is also written to D1 (the DO keeps every one). */
const HEARTBEAT_RECORD_MS = 60_000;
/** Longest a gate count waits before the alarm writes it to D1. */
const STATS_FLUSH_MS = 10_000;

export type GateOutcome = "allow" | "deny" | "require_approval";

export class TaskStorage {
  readonly outbox: Outbox;
  private readonly sql: SqlStorage;

  constructor(
    private readonly storage: DurableObjectStorage,
    targets: () => OutboxTargets,
  ) {
    this.sql = storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.sql.exec(`CREATE TABLE IF NOT EXISTS approvals (
      request_id TEXT PRIMARY KEY, status TEXT NOT NULL, deadline INTEGER NOT NULL, body TEXT NOT NULL)`);
    this.sql.exec("CREATE TABLE IF NOT EXISTS gate_stats (outcome TEXT PRIMARY KEY, n INTEGER NOT NULL)");
    this.outbox = new Outbox(this.sql, targets, () => this.task()?.task_id ?? "?");
  }

  read<T>(key: Key): T | null {
    const rows = this.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = ?", key).toArray();
    return rows.length ? (JSON.parse(rows[0].value) as T) : null;
  }

  write(key: Key, value: unknown): void {
    this.sql.exec("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", key, JSON.stringify(value));
  }

  remove(key: Key): void {
    this.sql.exec("DELETE FROM kv WHERE key = ?", key);
  }

  transaction(fn: () => void): void {
    this.storage.transactionSync(fn);
  }

  task(): TaskState | null {
    return this.read<TaskState>("task");
  }

  policy(): TaskPolicy | null {
    return this.read<TaskPolicy>("policy");
  }

  session(): PolicySession {
    return this.read<PolicySession>("session") ?? emptySession();
  }

  approval(requestId: string): ApprovalRecord | null {
    const rows = this.sql.exec<{ body: string }>("SELECT body FROM approvals WHERE request_id = ?", requestId).toArray();
    return rows.length ? storedApproval(rows[0].body) : null;
  }

  /** Pending approvals whose deadline is at or before `now`. */
  expiredApprovals(now: number): ApprovalRecord[] {
    return this.sql
      .exec<{ body: string }>("SELECT body FROM approvals WHERE status = 'PENDING' AND deadline <= ?", now)
      .toArray()
      .map((r) => storedApproval(r.body));
  }

  /** When the outbox, an approval deadline and the gate counts are next due (the alarm adds the watchdog). */
  dueTimes(): number[] {
    const deadline = this.sql.exec<{ t: number | null }>("SELECT MIN(deadline) AS t FROM approvals WHERE status = 'PENDING'").one().t;
    return [this.outbox.nextDue(), deadline, this.read<number>("stats_due")].filter((t): t is number => t !== null);
  }

  /** A human denial for the agent, handed over with its next heartbeat. */
  queueDenial(d: QueuedDenial): void {
    this.write("denials", [...(this.read<QueuedDenial[]>("denials") ?? []), d]);
  }

  /**
   * A heartbeat touches DO storage only (no version bump); D1 hears of it once a minute at most,
   * enough for the cron reconciler's scan. Queued denials are handed over exactly once.
   */
  beat(cur: TaskState, now: number): { denials: QueuedDenial[]; recorded: boolean } {
    const denials = this.read<QueuedDenial[]>("denials") ?? [];
    const recorded = now - (this.read<number>("hb_recorded") ?? 0) >= HEARTBEAT_RECORD_MS;
    this.transaction(() => {
      this.write("task", { ...cur, last_heartbeat_at: iso(now) });
      if (denials.length) this.write("denials", []);
      if (recorded) {
        this.write("hb_recorded", now);
        this.outbox.add({ kind: "d1", body: { op: "heartbeat", task_id: cur.task_id, at: iso(now) } }, now);
      }
    });
    return { denials, recorded };
  }

  /**
   * Persist a new state with its events and approval records, atomically, and queue the D1
   * records and dispatch messages. Returns the stored state.
   */
  commit(next: TaskState, events: NewEvent[], approvals: ApprovalRecord[] = [], alsoWrite: () => void = () => {}): TaskState {
    const now = Date.now();
    const stored: TaskState = { ...next, version: next.version + 1, updated_at: iso(now) };
    const taskView = view(stored);
    this.transaction(() => {
      this.write("task", stored);
      alsoWrite();
      this.outbox.add({ kind: "d1", body: { op: "task", task: taskView } }, now);
      this.queueGateStats(stored.task_id, now);
      for (const a of approvals) {
        this.sql.exec(
          "INSERT OR REPLACE INTO approvals (request_id, status, deadline, body) VALUES (?, ?, ?, ?)",
          a.request_id,
          a.status,
          Date.parse(a.expires_at),
          JSON.stringify(a),
        );
        this.outbox.add({ kind: "d1", body: { op: "approval", approval: a } }, now);
      }
      const home = homeEventOf(events);
      for (const e of events) {
        const event: TaskEvent = {
          event_id: newId(),
          task_id: stored.task_id,
          event_type: e.type,
          metadata: e.metadata,
          created_at: iso(now),
        };
        this.outbox.add({ kind: "d1", body: { op: "event", event } }, now);
        for (const channel of channelsFor(e.type, taskView)) {
          this.outbox.add({ kind: "queue", body: { channel, event, task: taskView } }, now);
        }
        if (e === home && taskView.channel_metadata.slack_user_id)
          this.outbox.add({ kind: "queue", body: { channel: "home", event, task: taskView } }, now);
      }
    });
    return stored;
  }

  // Gate statistics. Allowed calls are counted, not recorded as events (they are most calls). The
  // counts reach D1 with the next state change or at most STATS_FLUSH_MS after a gate call, by the alarm.

  /** Count one gate answer; true when this starts a new flush window (the alarm must be re-armed). */
  countGate(outcome: GateOutcome, now: number): boolean {
    this.sql.exec("INSERT INTO gate_stats (outcome, n) VALUES (?, 1) ON CONFLICT (outcome) DO UPDATE SET n = n + 1", outcome);
    if (this.read<number>("stats_due") !== null) return false;
    this.write("stats_due", now + STATS_FLUSH_MS);
    return true;
  }

  /** The alarm: the counts into the outbox if their flush is due. */
  flushGateStatsIfDue(taskId: string, now: number): void {
    if ((this.read<number>("stats_due") ?? Infinity) <= now) this.transaction(() => this.queueGateStats(taskId, now));
  }

  /** Inside a transaction: the current counts into the outbox, if any changed since the last flush. */
  queueGateStats(taskId: string, now: number): void {
    if (this.read<number>("stats_due") === null) return;
    const counts: Record<GateOutcome, number> = { allow: 0, deny: 0, require_approval: 0 };
    for (const r of this.sql.exec<{ outcome: GateOutcome; n: number }>("SELECT outcome, n FROM gate_stats")) counts[r.outcome] = r.n;
    this.outbox.add({ kind: "d1", body: { op: "gate_stats", task_id: taskId, counts, updated_at: iso(now) } }, now);
    this.remove("stats_due");
  }
}
