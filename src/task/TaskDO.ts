/**
 * One Durable Object per task: the single writer of the task's live state, as a thin RPC shell.
 * Who may call (access.ts), whether a call may open an approval (admission.ts), how approvals
 * close (decisions.ts), when a task strands (watchdog.ts) and its first and last states
 * (lifecycle.ts) are pure; storage.ts commits each change in one SQLite transaction (state +
 * audit events + D1 records + queue messages in the outbox), then the outbox is flushed.
 * Methods return Result values because errors thrown across RPC lose their fields.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { emptySession } from "../policy/session";
import type { ApprovalRecord, DeciderRole } from "../shared/approval";
import { iso } from "../shared/clock";
import { sha256Hex } from "../shared/crypto";
import { type Failure, fail, ok, type Result } from "../shared/errors";
import type { ApprovalClosedEvent, NewEvent, RunnerEventType } from "../shared/events";
import { newId } from "../shared/ids";
import { log, setLogLevel } from "../shared/log";
import type { DecisionInput, DecisionResult, FinishInput, GateInput, GateResponse, TaskInit } from "../shared/rpc";
import { isCancellable, isTerminal, type TaskStatus, terminalEventType } from "../shared/taskStatus";
import { newTaskToken } from "../shared/tokens";
import type { Actor, TaskView } from "../shared/types";
import { type Access, type AccessMode, access, actorName, deciderRole, requestNotFound, TOKEN_REVOKED_REASON } from "./access";
import { type ApprovalAnswer, type ApprovalDetail, answerOf, denialBlock, detailOf } from "./approvals";
import { type Closing, closePending, decide, decisionResult, timeOut } from "./decisions";
import { approvalAnswer, evaluateCall, gateDeny, PolicyCache, planGate } from "./gate";
import { creationEvents, finished, initialState, revokedEvents, runnerEvent, transitionProblem } from "./lifecycle";
import { expire, lifetimeMessage, lifetimeOver } from "./lifetime";
import { backoffMs, type OutboxTargets } from "./outbox";
import { type TaskState, view } from "./state";
import { countGate } from "./stats";
import { TaskStorage } from "./storage";
import { Waiters } from "./waiters";
import { silentForS, strandEvents, strandedMessage, watchdogAt, watchdogLimits } from "./watchdog";

type Ending = (closed: ApprovalClosedEvent[]) => NewEvent[];
type StatusAnswer = ApprovalAnswer & { task_id: string } & Partial<ApprovalDetail>;

export class TaskDO extends DurableObject<Env> {
  private readonly store: TaskStorage;
  /** D1 and the queue as the outbox sees them; replaced in fault-injection tests. */
  targets: OutboxTargets;
  private readonly waiters = new Waiters();
  private readonly policies: PolicyCache;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.targets = { db: env.DB, queue: env.DISPATCH };
    setLogLevel(env.LOG_LEVEL);
    this.store = new TaskStorage(ctx.storage, () => this.targets);
    this.policies = new PolicyCache(() => this.store.policy());
  }

  /** The state, narrowed, if `actor` may act on the task in `mode`. */
  private loadAs(actor: Actor, mode: AccessMode): Access {
    return access(this.store.task(), actor, mode, this.store.read<string>("token_revoked_at") !== null);
  }

  /** owner or approver when `actor` may decide this task's approvals, else null. */
  private roleOf(actor: Actor): Promise<DeciderRole | null> {
    return deciderRole(this.env.DB, this.store.task(), actor);
  }

  private async canDecide(actor: Actor): Promise<boolean> {
    return (await this.roleOf(actor)) !== null;
  }

  /** Commit a closed approval's outcome and wake whoever waits on it. */
  private close(c: Closing, extra: () => void = () => {}): void {
    this.store.commit(c.next, c.events, [c.closed], () => {
      this.store.write("session", c.session);
      extra();
    });
    this.waiters.wake([c.closed.request_id]);
  }

  /** The task leaves AWAITING_APPROVAL some other way: `next`, with its pending approval (if any) closed as `status`. */
  private end(cur: TaskState, next: TaskState, status: "CANCELLED" | "STRANDED", by: string, events: Ending, also?: () => void): TaskState {
    const rid = cur.awaiting_approval_request_id;
    const closed = closePending(rid ? this.store.approval(rid) : null, status, by, Date.now());
    const stored = this.store.commit({ ...next, awaiting_approval_request_id: null }, events(closed.events), closed.approvals, also);
    this.waiters.wake(closed.approvals.map((a) => a.request_id));
    return stored;
  }

  /** Deliver the outbox now and arm the alarm for whatever is left. */
  private async settle(): Promise<void> {
    await this.store.outbox.flush();
    await this.rearm();
  }

  /** One alarm per object: the earliest of everything that is due. */
  private async rearm(): Promise<void> {
    const s = this.store.task();
    const watchdog = s ? watchdogAt(s, watchdogLimits(this.env)) : null;
    const due = watchdog === null ? this.store.dueTimes() : [...this.store.dueTimes(), watchdog];
    if (due.length === 0) return this.ctx.storage.deleteAlarm();
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
      for (const a of this.store.expiredApprovals(now)) {
        const cur = this.store.task()!;
        this.close(timeOut(cur, a, this.store.session(), now));
        log("approval.timed_out", { task_id: cur.task_id, request_id: a.request_id, timeout_s: a.timeout_s });
      }
      const s = this.store.task();
      if (s && lifetimeOver(s, now)) this.timeOut(s, now);
      else if (s && (watchdogAt(s, watchdogLimits(this.env)) ?? Infinity) <= now) this.strand(s, now);
      if (s) this.store.flushGateStatsIfDue(s.task_id, now);
      await this.settle();
      if (this.store.read<number>("alarm_failures")) this.store.remove("alarm_failures");
    } catch (err) {
      const failures = (this.store.read<number>("alarm_failures") ?? 0) + 1;
      this.store.write("alarm_failures", failures);
      const retryInMs = backoffMs(failures);
      log("task.alarm_failed", { task_id: this.store.task()?.task_id, failures, retry_in_ms: retryInMs, error: String(err) }, "error");
      await this.ctx.storage.setAlarm(Date.now() + retryInMs);
    }
  }

  /**
   * Cron safety net (the reconciler found this task overdue in D1): run the alarm's checks now
   * and re-arm, in case the alarm was lost. Idempotent; reports what the task looks like after.
   */
  async reconcile(): Promise<{ status: TaskStatus | null; stranded: boolean }> {
    const before = this.store.task();
    if (!before) return { status: null, stranded: false };
    await this.alarm();
    const after = this.store.task()!;
    return { status: after.status, stranded: before.status !== after.status && after.status === "FAILED" };
  }

  /** Nobody is working on the task any more: fail it, close a pending approval as STRANDED (fail closed). */
  private strand(cur: TaskState, now: number): void {
    const age_s = silentForS(cur, now);
    const message = strandedMessage(cur, age_s);
    const failed: TaskState = { ...cur, status: "FAILED", error_message: message, completed_at: iso(now) };
    this.end(cur, failed, "STRANDED", "watchdog", strandEvents(cur, age_s, message));
    log("task.stranded", { task_id: cur.task_id, prior_status: cur.status, age_s }, "warn");
  }

  /** The task's lifetime is over: its pending approval closes as timed out, the task ends TIMED_OUT. */
  private timeOut(cur: TaskState, now: number): void {
    const rid = cur.awaiting_approval_request_id;
    const x = expire(cur, rid ? this.store.approval(rid) : null, now);
    this.store.commit(x.next, x.events, x.approvals);
    this.waiters.wake(x.approvals.map((a) => a.request_id));
    log("task.timed_out", { task_id: cur.task_id, prior_status: cur.status, max_lifetime_s: cur.max_lifetime_s }, "warn");
  }

  /** Calls that find the lifetime over end the task at once, without waiting for the alarm. */
  private async timedOutNow(cur: TaskState, now: number): Promise<boolean> {
    if (!lifetimeOver(cur, now)) return false;
    this.timeOut(cur, now);
    await this.settle();
    return true;
  }

  // ---- RPC: lifecycle -------------------------------------------------------------------

  async create(init: TaskInit): Promise<Result<TaskView>> {
    if (this.store.task()) return fail("CONFLICT", 409, "Task already exists.");
    const s = initialState(init, iso());
    const stored = this.store.commit(s, creationEvents(s), [], () => {
      this.store.write("policy", init.policy);
      this.store.write("session", { ...emptySession(), allowlist: [...init.initial_approvals] });
    });
    await this.settle();
    return ok(view(stored));
  }

  /** The task, for whoever may read it: owner, admin, its token, and the repo's approvers (they decide on it). */
  async get(actor: Actor): Promise<Result<TaskView>> {
    const r = this.loadAs(actor, "read");
    if (r.ok) return ok(view(r.s));
    if (r.status === 404 && (await this.roleOf(actor)) === "approver") return ok(view(this.store.task()!));
    return r;
  }

  /** SUBMITTED -> HYDRATING for one runner; the DO serialises competing claims. */
  async claim(runnerId: string): Promise<Result<{ task: TaskView; task_token: string } | null>> {
    const s = this.store.task();
    if (s?.status !== "SUBMITTED" || (await this.timedOutNow(s, Date.now()))) return ok(null);
    const token = newTaskToken(s.task_id);
    const next: TaskState = { ...s, status: "HYDRATING", runner_id: runnerId, task_token_hash: await sha256Hex(token) };
    const stored = this.store.commit(next, [{ type: "hydration_started", metadata: { runner_id: runnerId } }]);
    await this.settle();
    return ok({ task: view(stored), task_token: token });
  }

  /**
   * The runner that claimed this task lost its tokens: the task token dies with them, and a live
   * task fails at once (its agent is being killed; nobody else may finish it). Idempotent.
   */
  async revokeToken(runnerId: string): Promise<Result<{ revoked: boolean; status: TaskStatus }>> {
    const s = this.store.task();
    if (!s || s.runner_id !== runnerId) return ok({ revoked: false, status: s?.status ?? "SUBMITTED" });
    if (this.store.read<string>("token_revoked_at")) return ok({ revoked: false, status: s.status });
    const at = iso();
    const revoked = () => this.store.write("token_revoked_at", at);
    if (isTerminal(s.status)) {
      revoked();
      return ok({ revoked: true, status: s.status });
    }
    const failed: TaskState = { ...s, status: "FAILED", error_message: TOKEN_REVOKED_REASON, completed_at: at };
    const stored = this.end(s, failed, "CANCELLED", "admin", revokedEvents(s, runnerId, TOKEN_REVOKED_REASON), revoked);
    log("task.token_revoked", { task_id: s.task_id, runner_id: runnerId, prior_status: s.status }, "warn");
    await this.settle();
    return ok({ revoked: true, status: stored.status });
  }

  async cancel(actor: Actor): Promise<Result<TaskView>> {
    const r = this.loadAs(actor, "owner");
    if (!r.ok) return r;
    const cur = r.s;
    if (!isCancellable(cur.status)) return transitionProblem(cur, "CANCELLED")!;
    const by = actorName(actor);
    const cancelled: TaskState = { ...cur, status: "CANCELLED", cancel_requested: true, completed_at: iso() };
    const event: NewEvent = { type: "task_cancelled", metadata: { prior_status: cur.status, cancelled_by: by } };
    const stored = this.end(cur, cancelled, "CANCELLED", by, (closed) => [...closed, event]);
    await this.settle();
    return ok(view(stored));
  }

  async postEvent(actor: Actor, type: RunnerEventType, metadata: Record<string, unknown>): Promise<Result<{ status: TaskStatus }>> {
    const r = this.loadAs(actor, "task");
    if (!r.ok) return r;
    const ev = runnerEvent(r.s, type, metadata, this.env.GITHUB_WEB_BASE_URL, Date.now());
    if (!("next" in ev)) return ev;
    const stored = this.store.commit(ev.next, [ev.event]);
    await this.settle();
    return ok({ status: stored.status });
  }

  async heartbeat(actor: Actor): Promise<Result<{ status: TaskStatus; cancel_requested: boolean; denials: string[] }>> {
    const r = this.loadAs(actor, "task");
    if (!r.ok) return r;
    // The runner hears of it as of a cancel: this task token stops working (401 TASK_TIMED_OUT) and it kills the agent.
    if (await this.timedOutNow(r.s, Date.now())) return this.loadAs(actor, "task") as Failure;
    const { denials, recorded } = this.store.beat(r.s, Date.now());
    if (recorded) await this.settle();
    return ok({ status: r.s.status, cancel_requested: r.s.cancel_requested, denials: denials.map(denialBlock) });
  }

  async finish(actor: Actor, input: FinishInput): Promise<Result<TaskView>> {
    const r = this.loadAs(actor, "task");
    if (!r.ok) return r;
    const f = finished(r.s, input, this.env.GITHUB_WEB_BASE_URL, Date.now());
    if (!("next" in f)) return f;
    const terminal: NewEvent = { type: terminalEventType(input.status), metadata: f.metadata };
    const stored = this.end(r.s, f.next, "CANCELLED", "runner", (closed) => [...closed, terminal]);
    log("task.finished", { task_id: r.s.task_id, status: input.status });
    await this.settle();
    return ok(view(stored));
  }

  // ---- RPC: the gate and approvals -------------------------------------------------------

  /** Check one tool call. Never throws: any failure is a deny the agent can read. */
  async gate(actor: Actor, input: GateInput, waitS = 0): Promise<Result<GateResponse>> {
    const started = Date.now();
    let r: Result<GateResponse>;
    try {
      r = await this.decideGate(actor, input, waitS);
    } catch (err) {
      // e.g. storage failing mid-decision: the agent is told no, with why (not logging the state: it may be what failed)
      log("gate.error", { error: String(err) }, "error");
      r = gateDeny(`fail-closed: the gate could not decide (${err instanceof Error ? err.message : String(err)})`);
    }
    if (r.ok && countGate(this.store, this.env.GATE_ANALYTICS, input, r.data, Date.now() - started)) {
      this.rearm().catch((err) => log("task.rearm_failed", { error: String(err) }, "error"));
    }
    return r;
  }

  private async decideGate(actor: Actor, input: GateInput, waitS: number): Promise<Result<GateResponse>> {
    const r = this.loadAs(actor, "task");
    if (!r.ok) return r.code === "TOKEN_REVOKED" ? gateDeny(`fail-closed: ${TOKEN_REVOKED_REASON}`) : r;
    const cur = r.s;
    if (cur.status !== "RUNNING" && cur.status !== "AWAITING_APPROVAL") return gateDeny(`fail-closed: task is ${cur.status}, not RUNNING`);
    const now = Date.now();
    if (await this.timedOutNow(cur, now)) return gateDeny(`fail-closed: ${lifetimeMessage(cur)}`);
    const e = await evaluateCall(cur, input, this.policies, () => this.store.session(), now);
    if ("denied" in e) return gateDeny(e.denied);
    const plan = planGate(cur, e.d, () => this.store.session(), { ...input, tool_input_sha256: e.sha }, newId, now);
    if ("answer" in plan) {
      if (plan.record) await this.record(cur, plan.record);
      return plan.answer;
    }
    const { approval: a, next, session, events } = plan.open;
    this.store.commit(next, events, [a], () => this.store.write("session", session));
    await this.settle();
    return ok(approvalAnswer(a, waitS > 0 ? await this.waitFor(a.request_id, waitS) : null));
  }

  /** Append an audit event without changing the task. */
  private async record(cur: TaskState, event: NewEvent): Promise<void> {
    this.store.commit(cur, [event]);
    await this.settle();
  }

  /** Answer now if decided; else park until a decision lands or `waitS` passes. */
  private async waitFor(requestId: string, waitS: number): Promise<ApprovalAnswer | null> {
    const first = this.store.approval(requestId);
    if (first?.status !== "PENDING" || waitS <= 0) return first && answerOf(first);
    await this.waiters.park(requestId, waitS);
    const a = this.store.approval(requestId);
    return a && answerOf(a);
  }

  /**
   * GET /approvals/{rid}?wait=: for the task's own token or a decider. Deciders also get the whole
   * call (tool input and effects); the agent, who sent it, gets the answer only.
   */
  async approvalStatus(actor: Actor, rid: string, waitS: number): Promise<Result<StatusAnswer>> {
    let decider = false;
    if (actor.kind === "task") {
      // The one read an ended task's token keeps: the final answer of its own approvals (a deny:
      // cancelled, stranded), so a hook still polling tells the agent why rather than "401".
      const r = this.loadAs(actor, "task");
      const ended = !r.ok && (r.code === "TASK_ENDED" || r.code === "TASK_CANCELLED" || r.code === "TASK_TIMED_OUT");
      if (!r.ok && !ended) return r.status === 401 ? r : requestNotFound();
    } else if (!(decider = await this.canDecide(actor))) {
      return requestNotFound();
    }
    const s = this.store.task()!;
    const answer = await this.waitFor(rid, waitS);
    if (!answer) return requestNotFound();
    return ok({ task_id: s.task_id, ...answer, ...(decider ? detailOf(this.store.approval(rid)!) : {}) });
  }

  /** One approval with its whole input, for the task owner or an approver (the View full input button). */
  async approvalRecord(actor: Actor, requestId: string): Promise<Result<ApprovalRecord>> {
    if (!(await this.canDecide(actor))) return requestNotFound();
    const a = this.store.approval(requestId);
    return a ? ok(a) : requestNotFound();
  }

  /** Approve or deny. Serialised with the timeout alarm and cancel by the DO: the first one wins. */
  async decide(actor: Actor, requestId: string, input: DecisionInput): Promise<Result<DecisionResult>> {
    const role = await this.roleOf(actor);
    if (!role) return requestNotFound();
    // Read after the D1 lookup: other calls may have changed the task meanwhile.
    const cur = this.store.task()!;
    const a = this.store.approval(requestId);
    if (!a) return requestNotFound();
    const c = decide(cur, a, this.store.session(), input, { user_id: actorName(actor), role }, Date.now(), (s) =>
      this.policies.scopeProblem(s),
    );
    if (!("closed" in c)) return c;
    this.close(c, () => c.denial && this.store.queueDenial(c.denial));
    await this.settle();
    return ok(decisionResult(c.closed));
  }

  /** How many long-polls are parked on an approval, for tests and operators. */
  async waiting(requestId: string): Promise<number> {
    return this.waiters.count(requestId);
  }

  /** Outbox depth, for tests and operators. */
  async outboxPending(): Promise<number> {
    return this.store.outbox.pending();
  }

  /** Records D1 refused outright (see Outbox), for tests and operators. */
  async outboxSetAside(): Promise<Array<{ seq: number; body: string; error: string }>> {
    return this.store.outbox.setAside();
  }
}
