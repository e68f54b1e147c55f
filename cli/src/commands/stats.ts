import type { Command } from "commander";
import type { Metrics } from "../../../src/shared/metrics";
import { client } from "../context";
import { emit, humanDuration, table } from "../output";

const ms = (v: number | null) => (v === null ? "-" : v >= 10_000 ? humanDuration(v / 1000) : `${v}ms`);

/** The metrics as a few readable tables. */
function renderStats(m: Metrics): string {
  const out: string[] = [`Window ${m.window.since} .. ${m.window.until}`, ""];
  const g = m.gate;
  out.push(`Gate decisions: ${g.total} (allow ${g.allow}, deny ${g.deny}, require approval ${g.require_approval})`);
  const a = m.approvals;
  out.push(
    `Approvals: ${a.requested} requested, ${a.approved} approved, ${a.denied} denied, ${a.timed_out} timed out, ${a.stranded} stranded, ${a.cancelled} cancelled, ${a.pending} pending`,
  );
  const rules = Object.entries(a.by_rule).sort((x, y) => y[1].requested - x[1].requested);
  if (rules.length) {
    out.push(
      "",
      table([
        ["rule", "requested", "approved", "denied", "timed out", "stranded"],
        ...rules.map(([id, r]) => [id, ...[r.requested, r.approved, r.denied, r.timed_out, r.stranded].map(String)]),
      ]),
    );
  }
  const lat = m.decision_latency_ms;
  out.push(
    "",
    table([
      ["decision latency", "count", "p50", "p90", "p99"],
      ...(["approved", "denied", "timed_out"] as const).map((k) => [
        k.replace("_", " "),
        String(lat[k].count),
        ms(lat[k].p50),
        ms(lat[k].p90),
        ms(lat[k].p99),
      ]),
    ]),
  );
  out.push(
    "",
    `Timeout clipped: ${m.timeout_clipped}${m.timeout_clip_rate === null ? "" : ` (${(m.timeout_clip_rate * 100).toFixed(1)}% of requests)`}; cap hits ${m.limits.approval_cap_exceeded}, rate-limit hits ${m.limits.approval_rate_limited}`,
  );
  const channels = Object.entries(m.dispatch);
  if (channels.length) {
    out.push(
      "",
      table([
        ["dispatch", "sent", "retried", "dropped", "skipped", "dead-lettered"],
        ...channels.map(([c, d]) => [c, ...[d.sent, d.retried, d.dropped, d.skipped, d.dead_lettered].map(String)]),
      ]),
    );
  }
  const statuses = Object.entries(m.tasks.by_status).map(([s, n]) => `${s} ${n}`);
  out.push("", `Tasks: ${m.tasks.total}${statuses.length ? ` (${statuses.join(", ")})` : ""}`);
  return out.join("\n");
}

export function registerStats(program: Command): void {
  program
    .command("stats")
    .description("gate, approval, dispatch and task metrics (needs the admin token)")
    .option("--since <when>", "window start: a duration (30m, 24h, 7d) or an ISO time", "24h")
    .option("--json", "print JSON")
    .action(async (opts) => {
      const m = await client().get<Metrics>("/v1/metrics", { query: { since: opts.since } });
      emit(opts, m, () => renderStats(m));
    });
}
