/**
 * GET /v1/metrics: what operators ask of a human-in-the-loop gate, computed from the D1 records
 * of one time window. The SQL is store/metrics.ts (one D1 batch); this shaping is pure.
 */
import type { ApprovalStatus } from "./approval";
import { type LatencySummary, summarize } from "./percentiles";

type Counts = Record<string, number>;
type ApprovalCounts = { requested: number } & Record<Lowercase<ApprovalStatus>, number>;

export interface Metrics {
  window: { since: string; until: string };
  gate: { allow: number; deny: number; require_approval: number; total: number };
  approvals: ApprovalCounts & { by_rule: Record<string, ApprovalCounts> };
  decision_latency_ms: Record<"approved" | "denied" | "timed_out", LatencySummary>;
  timeout_clipped: number;
  timeout_clip_rate: number | null;
  limits: { approval_cap_exceeded: number; approval_rate_limited: number };
  dispatch: Record<string, { sent: number; dropped: number; skipped: number; retried: number; dead_lettered: number }>;
  tasks: { by_status: Counts; total: number };
}

/** What store/metrics.ts reads from D1. */
export interface MetricRows {
  gate: { allow: number | null; deny: number | null; require_approval: number | null };
  approvalsByRule: Array<{ status: ApprovalStatus; rule_id: string | null; n: number }>;
  latencies: Array<{ status: "APPROVED" | "DENIED" | "TIMED_OUT"; ms: number }>;
  events: Array<{ event_type: string; n: number }>;
  deliveries: Array<{ channel: string; status: string; n: number; retried: number | null }>;
  deadLetters: Array<{ channel: string | null; n: number }>;
  tasks: Array<{ status: string; n: number }>;
}

const emptyApprovals = (): ApprovalCounts => ({
  requested: 0,
  pending: 0,
  approved: 0,
  denied: 0,
  timed_out: 0,
  cancelled: 0,
  stranded: 0,
});

export function shapeMetrics(rows: MetricRows, window: Metrics["window"]): Metrics {
  const gate = { allow: rows.gate.allow ?? 0, deny: rows.gate.deny ?? 0, require_approval: rows.gate.require_approval ?? 0, total: 0 };
  gate.total = gate.allow + gate.deny + gate.require_approval;

  // approvalsByRule has one row per (status, rule) and one per status with rule_id NULL (the totals).
  const approvals = { ...emptyApprovals(), by_rule: {} as Record<string, ApprovalCounts> };
  for (const r of rows.approvalsByRule) {
    const bucket = r.rule_id === null ? approvals : (approvals.by_rule[r.rule_id] ??= emptyApprovals());
    bucket[r.status.toLowerCase() as Lowercase<ApprovalStatus>] += r.n;
    bucket.requested += r.n;
  }

  const latency = (s: "APPROVED" | "DENIED" | "TIMED_OUT") => summarize(rows.latencies.filter((l) => l.status === s).map((l) => l.ms));
  const events = Object.fromEntries(rows.events.map((e) => [e.event_type, e.n])) as Counts;
  const requested = approvals.requested;
  const clipped = events.approval_timeout_capped ?? 0;

  const dispatch: Metrics["dispatch"] = {};
  const channel = (c: string) => (dispatch[c] ??= { sent: 0, dropped: 0, skipped: 0, retried: 0, dead_lettered: 0 });
  for (const d of rows.deliveries) {
    const ch = channel(d.channel);
    if (d.status === "sent" || d.status === "dropped" || d.status === "skipped") ch[d.status] += d.n;
    ch.retried += d.retried ?? 0;
  }
  for (const d of rows.deadLetters) channel(d.channel ?? "unknown").dead_lettered += d.n;

  const by_status = Object.fromEntries(rows.tasks.map((t) => [t.status, t.n])) as Counts;
  return {
    window,
    gate,
    approvals,
    decision_latency_ms: { approved: latency("APPROVED"), denied: latency("DENIED"), timed_out: latency("TIMED_OUT") },
    timeout_clipped: clipped,
    timeout_clip_rate: requested ? Math.round((clipped / requested) * 1000) / 1000 : null,
    limits: { approval_cap_exceeded: events.approval_cap_exceeded ?? 0, approval_rate_limited: events.approval_rate_limit_exceeded ?? 0 },
    dispatch,
    tasks: { by_status, total: rows.tasks.reduce((n, t) => n + t.n, 0) },
  };
}
