/**
 * One Durable Object per task: the single writer of the task's live state. Every change is
 * one SQLite transaction (state + audit events + D1 records + queue messages in the outbox),
 * then the outbox is flushed. Methods return Result values because errors thrown across
 * RPC lose their fields.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { channelsFor } from "../dispatch/routing";
import { iso } from "../shared/clock";
import { digestsEqual, randomSecret, sha256Hex } from "../shared/crypto";
import { type Failure, type Result, fail, ok } from "../shared/errors";
import { newId } from "../shared/ids";
import { log } from "../shared/log";
import type { Actor, TaskEvent, TaskView } from "../shared/types";
import type { ApprovalRecord } from "./approvalRecord";
import { Outbox, type OutboxTargets } from "./outbox";
import { type TaskState, view } from "./state";
import { type TaskStatus, canTransition, isCancellable, isTerminal, terminalEventType } from "./transitions";

export interface TaskInit {
  task_id: string;
  user_id: string;
  repo: string;
  issue_number: number | null;
  description: string;
  read_only: boolean;
  approval_timeout_s: number;
  approval_gate_cap: number;
  initial_approvals: string[];
  channel_source: TaskView["channel_source"];
  channel_metadata: TaskView["channel_metadata"];
}

export type RunnerEventType = "session_started" | "agent_milestone" | "pr_created" | "agent_error";

export interface FinishInput {
  status: "COMPLETED" | "FAILED";
  pr_url?: string;
  error?: string;
  cost_usd?: number;
}

interface NewEvent {
  type: string;
  metadata?: Record<string, unknown>;
}

const notFound = (): Failure => fail("TASK_NOT_FOUND", 404, "Task not found.");

/** Task tokens embed their task id so the API can route them without a lookup: bgt_<task_id>_<secret>. */
export const taskIdOfToken = (token: string): string | null => /^bgt_([0-9A-HJKMNP-TV-Z]{26})_[A-Za-z0-9_-]{20,}$/.exec(token)?.[1] ?? null;

export class TaskDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly outbox: Outbox;
  /** D1 and the queue as the outbox sees them; replaced in fault-injection tests. */
  targets: OutboxTargets;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.targets = { db: env.DB, queue: env.DISPATCH };
    this.sql.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.outbox = new Outbox(this.sql, () => this.targets, () => this.state()?.task_id ?? "?");
  }

  // ---- storage helpers ------------------------------------------------------------------

  private read<T>(key: string): T | null {
    const rows = this.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = ?", key).toArray();
    return rows.length ? (JSON.parse(rows[0].value) as T) : null;
  }

  private write(key: string, value: unknown): void {
    this.sql.exec("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", key, JSON.stringify(value));
  }

  private state(): TaskState | null {
    return this.read<TaskState>("task");
  }

  /**
   * Persist a new state with its events and approval records, atomically, and queue the
   * D1 records and dispatch messages. Returns the stored state.
   */
  private commit(next: TaskState, events: NewEvent[], approvals: ApprovalRecord[] = []): TaskState {
    const now = Date.now();
    const stored: TaskState = { ...next, version: next.version + 1, updated_at: iso(now) };
    const taskView = view(stored);
    this.ctx.storage.transactionSync(() => {
      this.write("task", stored);
      this.outbox.add({ kind: "d1", body: { op: "task", task: taskView } }, now);
      for (const a of approvals) this.outbox.add({ kind: "d1", body: { op: "approval", approval: a } }, now);
      for (const e of events) {
        const event: TaskEvent = {
          event_id: newId(),
          task_id: stored.task_id,
          event_type: e.type,
          metadata: e.metadata ?? {},
          created_at: iso(now),
        };
        this.outbox.add({ kind: "d1", body: { op: "event", event } }, now);
        for (const channel of channelsFor(e.type, taskView)) {
          this.outbox.add({ kind: "queue", body: { channel, event, task: taskView } }, now);
        }
      }
    });
    return stored;
  }

  /** Deliver the outbox now and arm the alarm for whatever is left. */
  private async settle(): Promise<void> {
    await this.outbox.flush();
    await this.rearm();
  }

  /** One alarm per object: the earliest of everything that is due. */
  private async rearm(): Promise<void> {
    const due = [this.outbox.nextDue()].filter((t): t is number => t !== null);
    if (due.length === 0) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    await this.ctx.storage.setAlarm(Math.max(Math.min(...due), Date.now() + 10));
  }

  override async alarm(): Promise<void> {
    await this.settle();
  }

  /** Who may do what. Non-owners get the same 404 as a missing task (no existence oracle). */
  private authorize(s: TaskState | null, actor: Actor, mode: "read" | "owner" | "task"): Failure | null {
    if (!s) return notFound();
    if (actor.kind === "admin" && mode !== "task") return null;
    if (actor.kind === "user" && mode !== "task" && actor.user_id === s.user_id) return null;
    if (
      actor.kind === "task" &&
      mode !== "owner" &&
      actor.task_id === s.task_id &&
      s.task_token_hash !== null &&
      digestsEqual(actor.token_hash, s.task_token_hash)
    ) {
      return null;
    }
    return notFound();
  }

  private transition(s: TaskState, to: TaskStatus): Failure | null {
    if (canTransition(s.status, to)) return null;
    if (isTerminal(s.status)) return fail("TASK_TERMINAL", 409, `Task is already ${s.status}.`);
    return fail("INVALID_TRANSITION", 409, `Task cannot go from ${s.status} to ${to}.`);
  }

  // ---- RPC: lifecycle -------------------------------------------------------------------

  async create(init: TaskInit): Promise<Result<TaskView>> {
    if (this.state()) return fail("CONFLICT", 409, "Task already exists.");
    const now = iso();
    const s: TaskState = {
      ...init,
      status: "SUBMITTED",
      approval_gate_count: 0,
      awaiting_approval_request_id: null,
      runner_id: null,
      task_token_hash: null,
      pr_url: null,
      error_message: null,
      cost_usd: null,
      cancel_requested: false,
      created_at: now,
      updated_at: now,
      started_at: null,
      completed_at: null,
      last_heartbeat_at: null,
      version: 0,
    };
    const stored = this.commit(s, [
      {
        type: "task_created",
        metadata: { repo: s.repo, issue_number: s.issue_number, description: s.description.slice(0, 200), channel_source: s.channel_source },
      },
    ]);
    await this.settle();
    return ok(view(stored));
  }

  async get(actor: Actor): Promise<Result<TaskView>> {
    const s = this.state();
    const denied = this.authorize(s, actor, "read");
    return denied ?? ok(view(s!));
  }

  /** SUBMITTED -> HYDRATING for one runner; the DO serialises competing claims. */
  async claim(runnerId: string): Promise<Result<{ task: TaskView; task_token: string } | null>> {
    const s = this.state();
    if (!s || s.status !== "SUBMITTED") return ok(null);
    const token = `bgt_${s.task_id}_${randomSecret(32)}`;
    const next: TaskState = { ...s, status: "HYDRATING", runner_id: runnerId, task_token_hash: await sha256Hex(token) };
    const stored = this.commit(next, [{ type: "hydration_started", metadata: { runner_id: runnerId } }]);
    await this.settle();
    return ok({ task: view(stored), task_token: token });
  }

  async cancel(actor: Actor): Promise<Result<TaskView>> {
    const s = this.state();
    const denied = this.authorize(s, actor, "owner");
    if (denied) return denied;
    const cur = s!;
    if (!isCancellable(cur.status)) return this.transition(cur, "CANCELLED")!;
    const by = actor.kind === "user" ? actor.user_id : actor.kind;
    const stored = this.commit(
      { ...cur, status: "CANCELLED", cancel_requested: true, awaiting_approval_request_id: null, completed_at: iso() },
      [{ type: "task_cancelled", metadata: { prior_status: cur.status, cancelled_by: by } }],
    );
    await this.settle();
    return ok(view(stored));
  }

  async postEvent(actor: Actor, type: RunnerEventType, metadata: Record<string, unknown>): Promise<Result<{ status: TaskStatus }>> {
    const s = this.state();
    const denied = this.authorize(s, actor, "task");
    if (denied) return denied;
    let next: TaskState = s!;
    if (type === "session_started") {
      const bad = this.transition(next, "RUNNING");
      if (bad) return bad;
      next = { ...next, status: "RUNNING", started_at: iso(), last_heartbeat_at: iso() };
    } else if (isTerminal(next.status)) {
      return fail("TASK_TERMINAL", 409, `Task is already ${next.status}.`);
    }
    if (type === "pr_created") {
      const prUrl = typeof metadata.pr_url === "string" ? metadata.pr_url : null;
      if (!prUrl) return fail("VALIDATION_ERROR", 400, "pr_created needs metadata.pr_url.");
      next = { ...next, pr_url: prUrl };
    }
    const stored = this.commit(next, [{ type, metadata }]);
    await this.settle();
    return ok({ status: stored.status });
  }

  async heartbeat(actor: Actor): Promise<Result<{ status: TaskStatus; cancel_requested: boolean; denials: string[] }>> {
    const s = this.state();
    const denied = this.authorize(s, actor, "task");
    if (denied) return denied;
    const cur = s!;
    if (cur.status === "CANCELLED") return ok({ status: cur.status, cancel_requested: true, denials: [] });
    if (isTerminal(cur.status)) return fail("TASK_TERMINAL", 409, `Task is already ${cur.status}.`);
    // Heartbeats only touch DO storage: no version bump, no D1 write per beat.
    this.write("task", { ...cur, last_heartbeat_at: iso() });
    return ok({ status: cur.status, cancel_requested: cur.cancel_requested, denials: [] });
  }

  async finish(actor: Actor, input: FinishInput): Promise<Result<TaskView>> {
    const s = this.state();
    const denied = this.authorize(s, actor, "task");
    if (denied) return denied;
    const cur = s!;
    const bad = this.transition(cur, input.status);
    if (bad) return bad;
    const started = cur.started_at ? Date.parse(cur.started_at) : Date.parse(cur.created_at);
    const next: TaskState = {
      ...cur,
      status: input.status,
      pr_url: input.pr_url ?? cur.pr_url,
      error_message: input.status === "FAILED" ? (input.error ?? "Agent reported failure.") : null,
      cost_usd: input.cost_usd ?? cur.cost_usd,
      completed_at: iso(),
    };
    const metadata: Record<string, unknown> = {
      duration_s: Math.round((Date.now() - started) / 1000),
      pr_url: next.pr_url,
      cost_usd: next.cost_usd,
    };
    if (next.error_message) metadata.error_message = next.error_message;
    const stored = this.commit(next, [{ type: terminalEventType(input.status), metadata }]);
    log("task.finished", { task_id: cur.task_id, status: input.status });
    await this.settle();
    return ok(view(stored));
  }

  /** Outbox depth, for tests and operators. */
  async outboxPending(): Promise<number> {
    return this.outbox.pending();
  }
}
