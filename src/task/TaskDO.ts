/**
 * One Durable Object per task: the single writer of the task's live state. Every change is
 * one SQLite transaction (state + audit events + D1 records + queue messages in the outbox),
 * then the outbox is flushed. Methods return Result values because errors thrown across
 * RPC lose their fields.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { BUILTIN_POLICIES, workerCedar } from "../policy/cedarWorker";
import { type Decision, evaluate } from "../policy/evaluate";
import { type LoadedPolicySet, loadPolicySet } from "../policy/loader";
import { formatScope, parseScope, type Scope, scopeProblem } from "../policy/scopes";
import { cachePut, emptySession, inputKey, type PolicySession, RATE_LIMIT, recentGates, ruleKey } from "../policy/session";
import { workerShell } from "../policy/shell/shellWorker";
import type { ApprovalRecord } from "../shared/approval";
import { iso } from "../shared/clock";
import { digestsEqual, sha256Hex } from "../shared/crypto";
import { type Failure, fail, ok, type Result } from "../shared/errors";
import { type ApprovalClosedEvent, channelsFor, type NewEvent, type RunnerEventType, type TaskEndedMetadata } from "../shared/events";
import { newId } from "../shared/ids";
import { varSecondsMs, WATCHDOG } from "../shared/limits";
import { log, setLogLevel } from "../shared/log";
import type { DecisionInput, DecisionResult, FinishInput, GateInput, GateResponse, TaskInit, TaskPolicy } from "../shared/rpc";
import { canTransition, isCancellable, isTerminal, isUnstarted, type TaskStatus, terminalEventType } from "../shared/taskStatus";
import { newTaskToken } from "../shared/tokens";
import type { Actor, TaskEvent, TaskView } from "../shared/types";
import { getRepo } from "../store/repos";
import {
  type ApprovalAnswer,
  type ApprovalDetail,
  agentText,
  answerOf,
  canonicalJson,
  closeApproval,
  denialBlock,
  detailOf,
  inputPreview,
  newApproval,
  type QueuedDenial,
  sanitiseDenyReason,
  storedApproval,
} from "./approvals";
import { backoffMs, Outbox, type OutboxTargets } from "./outbox";
import { checkPrUrl } from "./prUrl";
import { lastSignOfLife, type TaskState, view } from "./state";

/** How often a heartbeat is also written to D1 (the DO keeps every one). */
const HEARTBEAT_RECORD_MS = 60_000;
/** Longest a gate count waits before the alarm writes it to D1. */
const STATS_FLUSH_MS = 10_000;

const requestNotFound = (): Failure => fail("REQUEST_NOT_FOUND", 404, "Approval request not found or not owned by caller.");

const notFound = (): Failure => fail("TASK_NOT_FOUND", 404, "Task not found.");

const TOKEN_REVOKED_REASON = "This task's token was revoked (an admin revoked its runner's tokens).";

export class TaskDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly outbox: Outbox;
  /** D1 and the queue as the outbox sees them; replaced in fault-injection tests. */
  targets: OutboxTargets;
  /** Long-poll callers parked on an approval; woken the moment it is decided. In memory only: clients re-poll. */
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.targets = { db: env.DB, queue: env.DISPATCH };
    setLogLevel(env.LOG_LEVEL);
    this.sql.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.sql.exec(`CREATE TABLE IF NOT EXISTS approvals (
      request_id TEXT PRIMARY KEY, status TEXT NOT NULL, deadline INTEGER NOT NULL, body TEXT NOT NULL)`);
    this.sql.exec("CREATE TABLE IF NOT EXISTS gate_stats (outcome TEXT PRIMARY KEY, n INTEGER NOT NULL)");
    this.outbox = new Outbox(
      this.sql,
      () => this.targets,
      () => this.state()?.task_id ?? "?",
    );
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
  private commit(next: TaskState, events: NewEvent[], approvals: ApprovalRecord[] = [], alsoWrite: () => void = () => {}): TaskState {
    const now = Date.now();
    const stored: TaskState = { ...next, version: next.version + 1, updated_at: iso(now) };
    const taskView = view(stored);
    this.ctx.storage.transactionSync(() => {
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
    const deadline = this.sql.exec<{ t: number | null }>("SELECT MIN(deadline) AS t FROM approvals WHERE status = 'PENDING'").one().t;
    const s = this.state();
    const due = [this.outbox.nextDue(), deadline, s ? this.watchdogAt(s) : null, this.read<number>("stats_due")].filter(
      (t): t is number => t !== null,
    );
    if (due.length === 0) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    await this.ctx.storage.setAlarm(Math.max(Math.min(...due), Date.now() + 10));
  }

  /**
   * Everything due: approval deadlines, the stranded watchdog, gate counts, outbox retries.
   * A failure here (a bug, a corrupt row) must not silently end the schedule, so we re-arm
   * ourselves with backoff instead of relying on the runtime's limited alarm retries.
   */
  override async alarm(): Promise<void> {
    try {
      const now = Date.now();
      this.expireApprovals(now);
      const s = this.state();
      if (s && (this.watchdogAt(s) ?? Infinity) <= now) this.strand(s, now);
      if (s && (this.read<number>("stats_due") ?? Infinity) <= now)
        this.ctx.storage.transactionSync(() => this.queueGateStats(s.task_id, now));
      await this.settle();
      if (this.read<number>("alarm_failures")) this.sql.exec("DELETE FROM kv WHERE key = 'alarm_failures'");
    } catch (err) {
      const failures = (this.read<number>("alarm_failures") ?? 0) + 1;
      this.write("alarm_failures", failures);
      const retryInMs = backoffMs(failures);
      log("task.alarm_failed", { task_id: this.state()?.task_id, failures, retry_in_ms: retryInMs, error: String(err) }, "error");
      await this.ctx.storage.setAlarm(Date.now() + retryInMs);
    }
  }

  /**
   * Cron safety net (the reconciler found this task overdue in D1): run the alarm's checks now
   * and re-arm, in case the alarm was lost. Idempotent; reports what the task looks like after.
   */
  async reconcile(): Promise<{ status: TaskStatus | null; stranded: boolean }> {
    const before = this.state();
    if (!before) return { status: null, stranded: false };
    await this.alarm();
    const after = this.state()!;
    return { status: after.status, stranded: before.status !== after.status && after.status === "FAILED" };
  }

  // ---- gate statistics ------------------------------------------------------------------
  // Allowed calls are counted, not recorded as events (they are most calls). The counts reach
  // D1 with the next state change or at most STATS_FLUSH_MS after a gate call, by the alarm.

  private countGate(outcome: GateResponse["outcome"], now: number): void {
    this.sql.exec("INSERT INTO gate_stats (outcome, n) VALUES (?, 1) ON CONFLICT (outcome) DO UPDATE SET n = n + 1", outcome);
    if (this.read<number>("stats_due") === null) {
      this.write("stats_due", now + STATS_FLUSH_MS);
      this.rearm().catch((err) => log("task.rearm_failed", { error: String(err) }, "error"));
    }
  }

  /** Inside a transaction: the current counts into the outbox, if any changed since the last flush. */
  private queueGateStats(taskId: string, now: number): void {
    if (this.read<number>("stats_due") === null) return;
    const counts = { allow: 0, deny: 0, require_approval: 0 };
    for (const r of this.sql.exec<{ outcome: keyof typeof counts; n: number }>("SELECT outcome, n FROM gate_stats"))
      counts[r.outcome] = r.n;
    this.outbox.add({ kind: "d1", body: { op: "gate_stats", task_id: taskId, counts, updated_at: iso(now) } }, now);
    this.sql.exec("DELETE FROM kv WHERE key = 'stats_due'");
  }

  /**
   * When a live task counts as stranded: no heartbeat for HEARTBEAT_TIMEOUT_S once a runner has it
   * (RUNNING, AWAITING_APPROVAL, FINALIZING), or still unstarted STRANDED_TIMEOUT_S after its last change.
   */
  private watchdogAt(s: TaskState): number | null {
    if (isTerminal(s.status)) return null;
    if (isUnstarted(s.status)) return Date.parse(s.updated_at) + varSecondsMs(this.env.STRANDED_TIMEOUT_S, WATCHDOG.strandedS);
    return Date.parse(lastSignOfLife(s)) + varSecondsMs(this.env.HEARTBEAT_TIMEOUT_S, WATCHDOG.heartbeatS);
  }

  /** Nobody is working on the task any more: fail it, close a pending approval as STRANDED (fail closed). */
  private strand(cur: TaskState, now: number): void {
    const closed = this.closePending(cur, "STRANDED", "watchdog");
    const age_s = Math.round((now - Date.parse(lastSignOfLife(cur))) / 1000);
    const message = isUnstarted(cur.status)
      ? `Task stranded: no runner started it within ${age_s}s.`
      : `Task stranded: no heartbeat from the runner for ${age_s}s (runner stopped or lost). Resubmit the task if the work is still needed.`;
    this.commit(
      { ...cur, status: "FAILED", awaiting_approval_request_id: null, error_message: message, completed_at: iso(now) },
      [
        ...closed.events.map((e) => ({ ...e, metadata: { ...e.metadata, age_s, reason: "STRANDED_NO_HEARTBEAT" } })),
        { type: "task_stranded", metadata: { code: "STRANDED_NO_HEARTBEAT", prior_status: cur.status, age_s } },
        { type: "task_failed", metadata: { error_message: message } },
      ],
      closed.approvals,
    );
    this.wake(closed.approvals);
    log("task.stranded", { task_id: cur.task_id, prior_status: cur.status, age_s }, "warn");
  }

  /**
   * Who may do what. Non-owners get the same 404 as a missing task (no existence oracle). A task
   * token works only while its task is live and its runner's tokens stand: once either ends it
   * gets 401 (the runner kills its agent on a 401 heartbeat).
   */
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
      if (this.read<string>("token_revoked_at")) return fail("TOKEN_REVOKED", 401, TOKEN_REVOKED_REASON);
      if (isTerminal(s.status))
        return fail(
          s.status === "CANCELLED" ? "TASK_CANCELLED" : "TASK_ENDED",
          401,
          `Task is ${s.status}; its task token no longer works.`,
        );
      return null;
    }
    return notFound();
  }

  /**
   * The task owner, or a user the repo's blueprint lists as approver NOW (read from D1 when the
   * decision arrives, so someone removed from the list can no longer decide). Everyone else: 404.
   * A blueprint that cannot be read leaves the owner only (fail closed).
   */
  private async canDecide(actor: Actor): Promise<boolean> {
    const s = this.state();
    if (!s || actor.kind !== "user") return false;
    if (actor.user_id === s.user_id) return true;
    try {
      return (await getRepo(this.env.DB, s.repo))?.blueprint.approvers.includes(actor.user_id) ?? false;
    } catch (err) {
      log("task.approvers_unreadable", { task_id: s.task_id, error: String(err) }, "error");
      return false;
    }
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
    const { policy, ...fields } = init;
    const s: TaskState = {
      ...fields,
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
    const session: PolicySession = { ...emptySession(), allowlist: [...init.initial_approvals] };
    const stored = this.commit(
      s,
      [
        {
          type: "task_created",
          metadata: {
            repo: s.repo,
            issue_number: s.issue_number,
            description: s.description.slice(0, 200),
            channel_source: s.channel_source,
          },
        },
        ...(init.initial_approvals.length
          ? [{ type: "pre_approvals_loaded" as const, metadata: { count: init.initial_approvals.length, scopes: init.initial_approvals } }]
          : []),
      ],
      [],
      () => {
        this.write("policy", policy);
        this.write("session", session);
      },
    );
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
    if (s?.status !== "SUBMITTED") return ok(null);
    const token = newTaskToken(s.task_id);
    const next: TaskState = { ...s, status: "HYDRATING", runner_id: runnerId, task_token_hash: await sha256Hex(token) };
    const stored = this.commit(next, [{ type: "hydration_started", metadata: { runner_id: runnerId } }]);
    await this.settle();
    return ok({ task: view(stored), task_token: token });
  }

  /**
   * The runner that claimed this task lost its tokens: the task token dies with them, and a live
   * task fails at once (its agent is being killed; nobody else may finish it). Idempotent.
   */
  async revokeToken(runnerId: string): Promise<Result<{ revoked: boolean; status: TaskStatus }>> {
    const s = this.state();
    if (!s || s.runner_id !== runnerId) return ok({ revoked: false, status: s?.status ?? "SUBMITTED" });
    if (this.read<string>("token_revoked_at")) return ok({ revoked: false, status: s.status });
    const at = iso();
    if (isTerminal(s.status)) {
      this.write("token_revoked_at", at);
      return ok({ revoked: true, status: s.status });
    }
    const closed = this.closePending(s, "CANCELLED", "admin");
    const stored = this.commit(
      { ...s, status: "FAILED", awaiting_approval_request_id: null, error_message: TOKEN_REVOKED_REASON, completed_at: at },
      [
        ...closed.events,
        { type: "task_token_revoked", metadata: { runner_id: runnerId, prior_status: s.status } },
        { type: "task_failed", metadata: { error_message: TOKEN_REVOKED_REASON } },
      ],
      closed.approvals,
      () => this.write("token_revoked_at", at),
    );
    this.wake(closed.approvals);
    log("task.token_revoked", { task_id: s.task_id, runner_id: runnerId, prior_status: s.status }, "warn");
    await this.settle();
    return ok({ revoked: true, status: stored.status });
  }

  async cancel(actor: Actor): Promise<Result<TaskView>> {
    const s = this.state();
    const denied = this.authorize(s, actor, "owner");
    if (denied) return denied;
    const cur = s!;
    if (!isCancellable(cur.status)) return this.transition(cur, "CANCELLED")!;
    const by = actor.kind === "user" ? actor.user_id : actor.kind;
    const closed = this.closePending(cur, "CANCELLED", by);
    const stored = this.commit(
      { ...cur, status: "CANCELLED", cancel_requested: true, awaiting_approval_request_id: null, completed_at: iso() },
      [...closed.events, { type: "task_cancelled", metadata: { prior_status: cur.status, cancelled_by: by } }],
      closed.approvals,
    );
    this.wake(closed.approvals);
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
      const pr = checkPrUrl(metadata.pr_url, next.repo, this.env.GITHUB_WEB_BASE_URL);
      if ("problem" in pr) return fail("VALIDATION_ERROR", 400, pr.problem);
      next = { ...next, pr_url: pr.url };
      metadata = { ...metadata, pr_url: pr.url };
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
    // Heartbeats only touch DO storage: no version bump, no D1 write per beat.
    // Queued denials are handed over exactly once.
    const denials = this.read<QueuedDenial[]>("denials") ?? [];
    const now = Date.now();
    // D1 hears of heartbeats once a minute at most: enough for the cron reconciler's scan.
    const record = now - (this.read<number>("hb_recorded") ?? 0) >= HEARTBEAT_RECORD_MS;
    this.ctx.storage.transactionSync(() => {
      this.write("task", { ...cur, last_heartbeat_at: iso(now) });
      if (denials.length) this.write("denials", []);
      if (record) {
        this.write("hb_recorded", now);
        this.outbox.add({ kind: "d1", body: { op: "heartbeat", task_id: cur.task_id, at: iso(now) } }, now);
      }
    });
    if (record) await this.settle();
    return ok({ status: cur.status, cancel_requested: cur.cancel_requested, denials: denials.map(denialBlock) });
  }

  async finish(actor: Actor, input: FinishInput): Promise<Result<TaskView>> {
    const s = this.state();
    const denied = this.authorize(s, actor, "task");
    if (denied) return denied;
    const cur = s!;
    const bad = this.transition(cur, input.status);
    if (bad) return bad;
    const pr = input.pr_url === undefined ? null : checkPrUrl(input.pr_url, cur.repo, this.env.GITHUB_WEB_BASE_URL);
    if (pr && "problem" in pr) return fail("VALIDATION_ERROR", 400, pr.problem);
    const started = cur.started_at ? Date.parse(cur.started_at) : Date.parse(cur.created_at);
    const next: TaskState = {
      ...cur,
      status: input.status,
      pr_url: pr?.url ?? cur.pr_url,
      error_message: input.status === "FAILED" ? (input.error ?? "Agent reported failure.") : null,
      cost_usd: input.cost_usd ?? cur.cost_usd,
      completed_at: iso(),
    };
    const metadata: TaskEndedMetadata = {
      duration_s: Math.round((Date.now() - started) / 1000),
      pr_url: next.pr_url,
      cost_usd: next.cost_usd,
    };
    if (next.error_message) metadata.error_message = next.error_message;
    const closed = this.closePending(cur, "CANCELLED", "runner");
    next.awaiting_approval_request_id = null;
    const stored = this.commit(next, [...closed.events, { type: terminalEventType(input.status), metadata }], closed.approvals);
    this.wake(closed.approvals);
    log("task.finished", { task_id: cur.task_id, status: input.status });
    await this.settle();
    return ok(view(stored));
  }

  // ---- RPC: the gate and approvals -------------------------------------------------------

  private policy(): TaskPolicy | null {
    return this.read<TaskPolicy>("policy");
  }

  private session(): PolicySession {
    return this.read<PolicySession>("session") ?? emptySession();
  }

  private approval(requestId: string): ApprovalRecord | null {
    const rows = this.sql.exec<{ body: string }>("SELECT body FROM approvals WHERE request_id = ?", requestId).toArray();
    return rows.length ? storedApproval(rows[0].body) : null;
  }

  /** The task's policies never change after submit, so the instance keeps the loaded set. */
  private loadedSet: LoadedPolicySet | null = null;
  private policySet(): LoadedPolicySet {
    if (this.loadedSet) return this.loadedSet;
    const p = this.policy();
    if (!p) throw new Error("task has no policy snapshot");
    this.loadedSet = loadPolicySet(workerCedar(), BUILTIN_POLICIES, p);
    return this.loadedSet;
  }

  /** Check one tool call. Never throws: any failure is a deny the agent can read. */
  async gate(actor: Actor, input: GateInput, waitS = 0): Promise<Result<GateResponse>> {
    const started = Date.now();
    let r: Result<GateResponse>;
    try {
      r = await this.decideGate(actor, input, waitS);
    } catch (err) {
      // e.g. storage failing mid-decision: the agent is told no, with why
      log("gate.error", { error: String(err) }, "error"); // not this.state(): it may be what failed
      r = ok({
        outcome: "deny",
        reason: agentText(`fail-closed: the gate could not decide (${err instanceof Error ? err.message : String(err)})`),
        matching_rule_ids: [],
      });
    }
    if (r.ok) {
      const ms = Date.now() - started;
      try {
        // A call that needed a human counts as require_approval, whatever the human then said.
        const outcome = r.data.request_id ? "require_approval" : r.data.outcome;
        this.countGate(outcome, Date.now());
        this.env.GATE_ANALYTICS?.writeDataPoint({
          indexes: [this.state()?.repo ?? ""],
          blobs: [outcome, input.tool_name, r.data.matching_rule_ids.join(",")],
          doubles: [ms],
        });
      } catch (err) {
        log("gate.stats_failed", { error: String(err) }, "warn"); // statistics never change a decision
      }
    }
    return r;
  }

  private async decideGate(actor: Actor, input: GateInput, waitS: number): Promise<Result<GateResponse>> {
    const s = this.state();
    const deny = (reason: string, ids: string[] = []): Result<GateResponse> =>
      ok({ outcome: "deny", reason: agentText(reason), matching_rule_ids: ids });
    const denied = this.authorize(s, actor, "task");
    if (denied?.code === "TOKEN_REVOKED") return deny(`fail-closed: ${TOKEN_REVOKED_REASON}`);
    if (denied) return denied;
    const cur = s!;
    if (cur.status !== "RUNNING" && cur.status !== "AWAITING_APPROVAL") {
      return deny(`fail-closed: task is ${cur.status}, not RUNNING`);
    }
    const now = Date.now();
    let d: Decision;
    let sha: string;
    try {
      sha = await sha256Hex(canonicalJson(input.tool_input));
      const engines = { cedar: workerCedar(), shell: await workerShell() };
      d = evaluate(
        engines,
        this.policySet(),
        this.session(),
        { tool_name: input.tool_name, tool_input: input.tool_input, input_sha256: sha },
        {
          repo: cur.repo,
          read_only: cur.read_only,
          task_type: "new_task",
          approval_timeout_s: cur.approval_timeout_s,
          where: input.context,
        },
        now,
      );
    } catch (err) {
      return deny(`fail-closed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (d.outcome === "allow") return ok({ outcome: "allow", reason: agentText(d.reason), matching_rule_ids: d.matching_rule_ids });
    if (d.outcome === "deny") {
      await this.recordOnly(cur, [
        {
          type: "gate_denied",
          metadata: { tool_name: input.tool_name, reason: d.reason, matching_rule_ids: d.matching_rule_ids, source: d.source },
        },
      ]);
      return deny(d.reason, d.matching_rule_ids);
    }

    // require_approval: one pending approval at a time, the task's cap, and the rate window.
    if (cur.status === "AWAITING_APPROVAL") {
      return deny(
        `another approval is pending (request ${cur.awaiting_approval_request_id}); retry after it is decided`,
        d.matching_rule_ids,
      );
    }
    const session = this.session();
    if (cur.approval_gate_count >= cur.approval_gate_cap) {
      const reason = `approval-gate cap exceeded (${cur.approval_gate_cap}/task)`;
      await this.recordOnly(cur, [
        {
          type: "approval_cap_exceeded",
          metadata: { tool_name: input.tool_name, count: cur.approval_gate_count, cap: cur.approval_gate_cap },
        },
      ]);
      return deny(reason, d.matching_rule_ids);
    }
    const recent = recentGates(session, now);
    if (recent.length >= RATE_LIMIT) {
      await this.recordOnly(cur, [
        { type: "approval_rate_limit_exceeded", metadata: { tool_name: input.tool_name, rate: recent.length, limit: RATE_LIMIT } },
      ]);
      return deny(`approval-gate rate limit exceeded (${RATE_LIMIT}/min)`, d.matching_rule_ids);
    }
    const a = newApproval({
      request_id: newId(),
      task_id: cur.task_id,
      user_id: cur.user_id,
      repo: cur.repo,
      tool_name: input.tool_name,
      tool_input: input.tool_input,
      tool_input_sha256: sha,
      decision: d,
      now,
    });
    const events: NewEvent[] = [
      {
        type: "approval_requested",
        metadata: {
          request_id: a.request_id,
          tool_name: a.tool_name,
          // The queue carries a short preview; the card reads the whole input from D1.
          input_preview: inputPreview(input.tool_input).slice(0, 200),
          effects: a.effects,
          reason: a.reason,
          severity: a.severity,
          timeout_s: a.timeout_s,
          expires_at: a.expires_at,
          matching_rule_ids: a.matching_rule_ids,
        },
      },
    ];
    if (d.timeout_clipped) {
      events.push({
        type: "approval_timeout_capped",
        metadata: {
          request_id: a.request_id,
          requested_timeout_s: cur.approval_timeout_s,
          effective_timeout_s: a.timeout_s,
          reason: "rule_annotation",
          matching_rule_ids: a.matching_rule_ids,
        },
      });
    }
    this.commit(
      { ...cur, status: "AWAITING_APPROVAL", awaiting_approval_request_id: a.request_id, approval_gate_count: cur.approval_gate_count + 1 },
      events,
      [a],
      () => this.write("session", { ...session, gate_times: [...recent, now] }),
    );
    await this.settle();
    if (waitS > 0) {
      const answer = await this.waitFor(a.request_id, waitS);
      if (answer && answer.outcome !== "pending") {
        return ok({
          outcome: answer.outcome,
          reason: answer.reason,
          matching_rule_ids: a.matching_rule_ids,
          request_id: a.request_id,
          severity: a.severity,
          timeout_s: a.timeout_s,
          expires_at: a.expires_at,
        });
      }
    }
    return ok({
      outcome: "require_approval",
      reason: agentText(`${a.reason}; waiting for a human (request ${a.request_id})`),
      matching_rule_ids: a.matching_rule_ids,
      request_id: a.request_id,
      severity: a.severity,
      timeout_s: a.timeout_s,
      expires_at: a.expires_at,
    });
  }

  /** Append audit events without changing the task. */
  private async recordOnly(cur: TaskState, events: NewEvent[]): Promise<void> {
    this.commit(cur, events);
    await this.settle();
  }

  /** Answer now if decided; else park until a decision lands or `waitS` passes. */
  private async waitFor(requestId: string, waitS: number): Promise<ApprovalAnswer | null> {
    const first = this.approval(requestId);
    if (first?.status !== "PENDING" || waitS <= 0) return first && answerOf(first);
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(requestId) ?? new Set();
      this.waiters.set(requestId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(requestId);
        resolve();
      };
      const timer = setTimeout(done, waitS * 1000);
      set.add(done);
    });
    const a = this.approval(requestId);
    return a && answerOf(a);
  }

  private wake(closed: ApprovalRecord[]): void {
    for (const a of closed) for (const w of [...(this.waiters.get(a.request_id) ?? [])]) w();
  }

  /**
   * GET /approvals/{rid}?wait=: for the task's own token or a decider. Deciders also get the whole
   * call (tool input and effects); the agent, who sent it, gets the answer only.
   */
  async approvalStatus(
    actor: Actor,
    requestId: string,
    waitS: number,
  ): Promise<Result<ApprovalAnswer & { task_id: string } & Partial<ApprovalDetail>>> {
    let decider = false;
    if (actor.kind === "task") {
      // The one read an ended task's token keeps: the final answer of its own approvals (a deny:
      // cancelled, stranded), so a hook still polling tells the agent why rather than "401".
      const denied = this.authorize(this.state(), actor, "task");
      const ended = denied?.code === "TASK_ENDED" || denied?.code === "TASK_CANCELLED";
      if (denied && !ended) return denied.status === 401 ? denied : requestNotFound();
    } else if (!(decider = await this.canDecide(actor))) {
      return requestNotFound();
    }
    const s = this.state();
    const answer = await this.waitFor(requestId, waitS);
    if (!answer) return requestNotFound();
    return ok({ task_id: s!.task_id, ...answer, ...(decider ? detailOf(this.approval(requestId)!) : {}) });
  }

  /** One approval with its whole input, for the task owner or an approver (the View full input button). */
  async approvalRecord(actor: Actor, requestId: string): Promise<Result<ApprovalRecord>> {
    if (!(await this.canDecide(actor))) return requestNotFound();
    const a = this.approval(requestId);
    return a ? ok(a) : requestNotFound();
  }

  /** Approve or deny. Serialised with the timeout alarm and cancel by the DO: the first one wins. */
  async decide(actor: Actor, requestId: string, input: DecisionInput): Promise<Result<DecisionResult>> {
    if (!(await this.canDecide(actor))) return requestNotFound();
    // Read after the D1 lookup: other calls may have changed the task meanwhile.
    const cur = this.state()!;
    const a = this.approval(requestId);
    if (!a) return requestNotFound();
    if (a.status !== "PENDING")
      return fail("REQUEST_ALREADY_DECIDED", 409, `Request ${requestId} is already ${a.status}.`, { approval_status: a.status });
    if (cur.status !== "AWAITING_APPROVAL" || cur.awaiting_approval_request_id !== requestId) {
      return fail("TASK_NOT_AWAITING_APPROVAL", 409, `Task is ${cur.status}, not awaiting this approval.`);
    }
    const by = actor.kind === "user" ? actor.user_id : "?";
    const now = Date.now();
    const session = this.session();
    let closed: ApprovalRecord;
    let nextSession: PolicySession;
    const events: NewEvent[] = [];
    if (input.decision === "approve") {
      const granted: string[] = [];
      for (const raw of input.scopes?.length ? input.scopes : ["this_call"]) {
        const parsed = parseScope(raw);
        if (!parsed.ok) return fail("VALIDATION_ERROR", 400, `Invalid scope: ${parsed.error}`);
        const scopeProblem = this.checkScope(parsed.scope);
        if (scopeProblem) return scopeProblem;
        granted.push(formatScope(parsed.scope));
      }
      const scope = granted.join(" ");
      closed = closeApproval(a, "APPROVED", now, by, { scope });
      const added = granted.filter((g) => g !== "this_call" && !session.allowlist.includes(g));
      nextSession = added.length ? { ...session, allowlist: [...session.allowlist, ...added] } : session;
      events.push({
        type: "approval_granted",
        metadata: { request_id: a.request_id, scope, decided_at: closed.decided_at, decided_by: by },
      });
    } else {
      const reason = sanitiseDenyReason(input.reason);
      closed = closeApproval(a, "DENIED", now, by, { deny_reason: reason });
      let rc = session.rule_cache;
      for (const id of a.matching_rule_ids)
        rc = cachePut(rc, { key: ruleKey(a.tool_name, id), decision: "DENIED", reason: reason || "denied", at: now });
      nextSession = {
        ...session,
        input_cache: cachePut(session.input_cache, {
          key: inputKey(a.tool_name, a.tool_input_sha256),
          decision: "DENIED",
          reason: reason || "denied",
          at: now,
        }),
        rule_cache: rc,
      };
      events.push({
        type: "approval_denied",
        metadata: { request_id: a.request_id, reason, decided_at: closed.decided_at, decided_by: by },
      });
    }
    events.unshift({
      type: "approval_decision_recorded",
      metadata: {
        request_id: a.request_id,
        status: closed.status,
        scope: closed.scope ?? undefined,
        reason_length: closed.deny_reason?.length,
        decided_at: closed.decided_at,
        caller_user_id: by,
        latency_ms: now - Date.parse(a.created_at),
      },
    });
    const denials = this.read<QueuedDenial[]>("denials") ?? [];
    this.commit({ ...cur, status: "RUNNING", awaiting_approval_request_id: null }, events, [closed], () => {
      this.write("session", nextSession);
      if (closed.status === "DENIED") {
        this.write("denials", [
          ...denials,
          { request_id: closed.request_id, decided_at: closed.decided_at!, reason: closed.deny_reason || "denied" },
        ]);
      }
    });
    this.wake([closed]);
    await this.settle();
    return ok({
      task_id: cur.task_id,
      request_id: a.request_id,
      status: closed.status,
      scope: closed.scope ?? undefined,
      decided_at: closed.decided_at!,
    });
  }

  /** A scope must be within the repo's maximum, and rule: must name a soft rule of this task. */
  private checkScope(scope: Scope): Failure | null {
    const problem = scopeProblem(scope, this.policy()?.max_pre_approval_scope ?? "scoped", this.policySet());
    return problem ? fail("VALIDATION_ERROR", 400, `Invalid scope: ${problem}`) : null;
  }

  /** Close any pending approval of a task that is leaving AWAITING_APPROVAL some other way. */
  private closePending(
    cur: TaskState,
    status: "CANCELLED" | "STRANDED",
    by: string,
  ): { approvals: ApprovalRecord[]; events: ApprovalClosedEvent[] } {
    const rid = cur.awaiting_approval_request_id;
    const a = rid ? this.approval(rid) : null;
    if (a?.status !== "PENDING") return { approvals: [], events: [] };
    const closed = closeApproval(a, status, Date.now(), by);
    return {
      approvals: [closed],
      events: [{ type: status === "CANCELLED" ? "approval_cancelled" : "approval_stranded", metadata: { request_id: a.request_id } }],
    };
  }

  /** Deadline passed with no decision: TIMED_OUT, deny to waiters (fail closed). */
  private expireApprovals(now: number): void {
    const due = this.sql
      .exec<{ body: string }>("SELECT body FROM approvals WHERE status = 'PENDING' AND deadline <= ?", now)
      .toArray()
      .map((r) => storedApproval(r.body));
    for (const a of due) {
      const cur = this.state()!;
      const closed = closeApproval(a, "TIMED_OUT", now, null);
      const session = this.session();
      const awaiting = cur.status === "AWAITING_APPROVAL" && cur.awaiting_approval_request_id === a.request_id;
      this.commit(
        awaiting ? { ...cur, status: "RUNNING", awaiting_approval_request_id: null } : cur,
        [
          {
            type: "approval_timed_out",
            metadata: { request_id: a.request_id, timeout_s: a.timeout_s, matching_rule_ids: a.matching_rule_ids },
          },
        ],
        [closed],
        () =>
          this.write("session", {
            ...session,
            input_cache: cachePut(session.input_cache, {
              key: inputKey(a.tool_name, a.tool_input_sha256),
              decision: "TIMED_OUT",
              reason: "approval timed out",
              at: now,
            }),
          }),
      );
      this.wake([closed]);
      log("approval.timed_out", { task_id: cur.task_id, request_id: a.request_id, timeout_s: a.timeout_s });
    }
  }

  /** How many long-polls are parked on an approval, for tests and operators. */
  async waiting(requestId: string): Promise<number> {
    return this.waiters.get(requestId)?.size ?? 0;
  }

  /** Outbox depth, for tests and operators. */
  async outboxPending(): Promise<number> {
    return this.outbox.pending();
  }

  /** Records D1 refused outright (see Outbox), for tests and operators. */
  async outboxSetAside(): Promise<Array<{ seq: number; body: string; error: string }>> {
    return this.outbox.setAside();
  }
}
