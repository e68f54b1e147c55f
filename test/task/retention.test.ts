/**
 * Retention by the cron: the history of tasks that ended more than RETENTION_DAYS ago goes, in
 * bounded statements; recent and running tasks keep theirs; task rows stay.
 * Storage is shared with the test files running alongside, so every task here is dated so that no
 * other file's cron run or task can be caught up in it.
 */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { iso } from "../../src/shared/clock";
import { newId } from "../../src/shared/ids";
import { recordDeadLetter } from "../../src/store/deadLetters";
import { HISTORY_TABLES, pruneEndedTasks } from "../../src/store/retention";
import { pruneHistory, retentionDays } from "../../src/task/retention";

const DAY = 86_400_000;

/** A task record and one row (or `events` events) in every history table, last changed `ageMs` ago. */
async function seedTask(status: string, ageMs: number, events = 2, heartbeatNow = false): Promise<string> {
  const id = newId();
  const at = iso(Date.now() - ageMs);
  const ended = ["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"].includes(status);
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO tasks (id, user_id, repo, description, status, approval_timeout_s, approval_gate_cap, channel_source,
         created_at, updated_at, completed_at, last_heartbeat_at, version)
       VALUES (?1, 'u-retention', 'acme/retention', 'd', ?2, 300, 50, 'api', ?3, ?3, ?4, ?5, 1)`,
    ).bind(id, status, at, ended ? at : null, heartbeatNow ? iso() : null),
    env.DB.prepare(
      `INSERT INTO task_events (event_id, task_id, event_type, metadata, created_at)
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
       SELECT ?1 || '-' || printf('%05d', i), ?1, 'agent_milestone', '{}', ?2 FROM n`,
    ).bind(id, at, events),
    env.DB.prepare(
      `INSERT INTO approvals (request_id, task_id, user_id, repo, tool_name, tool_input_preview, tool_input_sha256, reason,
         severity, matching_rule_ids, status, timeout_s, created_at, expires_at, version)
       VALUES (?1 || '-a', ?1, 'u-retention', 'acme/retention', 'Bash', '{}', 'h', 'r', 'medium', '[]', 'APPROVED', 300, ?2, ?2, 1)`,
    ).bind(id, at),
    env.DB.prepare(
      "INSERT INTO deliveries (event_id, channel, task_id, status, created_at) VALUES (?1 || '-00001', 'slack', ?1, 'sent', ?2)",
    ).bind(id, at),
    env.DB.prepare("INSERT INTO github_comments (task_id, comment_id, claimed_at) VALUES (?1, '9', 0)").bind(id),
    env.DB.prepare(
      "INSERT INTO approval_cards (request_id, place, slack_channel, slack_ts, created_at) VALUES (?1 || '-a', 'dm', 'D1', '1.2', ?2)",
    ).bind(id, at),
    env.DB.prepare("INSERT INTO gate_stats (task_id, allow, updated_at) VALUES (?1, 3, ?2)").bind(id, at),
  ]);
  await recordDeadLetter(env.DB, "bgagent-dispatch-dlq", `${id}-dl`, { channel: "slack", event: { task_id: id } }, 6);
  return id;
}

async function history(id: string): Promise<Record<string, number>> {
  const rows = await env.DB.batch([
    ...HISTORY_TABLES.map((t) => env.DB.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE task_id = ?`).bind(id)),
    // approval cards are keyed by their request (the seeded approval's id)
    env.DB.prepare("SELECT COUNT(*) AS n FROM approval_cards WHERE request_id = ?").bind(`${id}-a`),
  ]);
  return Object.fromEntries([...HISTORY_TABLES, "approval_cards"].map((t, i) => [t, (rows[i].results[0] as { n: number }).n]));
}

const none = Object.fromEntries([...HISTORY_TABLES, "approval_cards"].map((t) => [t, 0]));
const taskRow = (id: string) => env.DB.prepare("SELECT status, history_pruned_at FROM tasks WHERE id = ?").bind(id).first<any>();

describe("retention", () => {
  it.each<[string | undefined, number | null]>([
    [undefined, 30],
    ["", 30],
    ["7", 7],
    [" 90 ", 90],
    ["0", null],
    ["-5", null],
    ["3651", null],
    ["1.5", null],
    ["30d", null],
  ])("RETENTION_DAYS %j means %s", (value, days) => {
    expect(retentionDays(value)).toBe(days);
  });

  it("deletes at most 500 rows per statement and stops at the statement cap, carrying on next run", async () => {
    // Ended a day ago, pruned with a 12-hour cutoff: older than anything another file creates, and
    // younger than what any 30-day cron run elsewhere would touch. (First in this file, so the
    // oldest ended task still to prune is this one.)
    const id = await seedTask("COMPLETED", DAY, 1200);
    const cutoff = iso(Date.now() - DAY / 2);
    const limits = { tasks: 1, rowBatch: 500, maxStatements: 4 };

    const first = await pruneEndedTasks(env.DB, cutoff, iso(), limits);
    expect(first).toEqual({ tasks: 0, rows: 1000, statements: 3, capped: true });
    expect((await history(id)).task_events).toBe(200);
    expect((await taskRow(id)).history_pruned_at).toBeNull();

    const second = await pruneEndedTasks(env.DB, cutoff, iso(), { ...limits, maxStatements: 30 });
    expect(second).toMatchObject({ tasks: 1, rows: 200 + 6, capped: false });
    expect(await history(id)).toEqual(none);
    expect((await taskRow(id)).history_pruned_at).not.toBeNull();

    // Pruned tasks are not looked at again.
    expect(await pruneEndedTasks(env.DB, cutoff, iso(), limits)).toEqual({ tasks: 0, rows: 0, statements: 1, capped: false });
  });

  it("the cron removes the history of tasks ended more than 30 days ago, and keeps recent and running ones", async () => {
    const old = await seedTask("COMPLETED", 40 * DAY);
    const oldFailed = await seedTask("FAILED", 31 * DAY);
    const recent = await seedTask("CANCELLED", 10 * DAY);
    const running = await seedTask("RUNNING", 40 * DAY, 2, true);
    const kept = await history(recent);
    expect(kept.task_events).toBe(2);

    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env);

    expect(await history(old)).toEqual(none);
    expect(await history(oldFailed)).toEqual(none);
    expect(await history(recent)).toEqual(kept);
    expect(await history(running)).toEqual(kept);
    // The task rows stay (the summary), marked so later runs skip them.
    expect(await taskRow(old)).toEqual({ status: "COMPLETED", history_pruned_at: expect.any(String) });
    expect(await taskRow(recent)).toEqual({ status: "CANCELLED", history_pruned_at: null });
    expect(await taskRow(running)).toEqual({ status: "RUNNING", history_pruned_at: null });
  });

  it("an unreadable RETENTION_DAYS deletes nothing", async () => {
    // Two days old: no 30-day cron run elsewhere touches it, a 1-day setting does.
    const id = await seedTask("COMPLETED", 2 * DAY);
    const before = await history(id);
    expect(await pruneHistory({ ...env, RETENTION_DAYS: "thirty" }, Date.now())).toBeNull();
    expect(await history(id)).toEqual(before);
    expect(await pruneHistory({ ...env, RETENTION_DAYS: "1" }, Date.now())).toMatchObject({ tasks: expect.any(Number) });
    expect(await history(id)).toEqual(none);
  });
});
