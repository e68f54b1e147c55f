/**
 * The hot queries read through indexes: EXPLAIN QUERY PLAN (real D1 in workerd, real migrations)
 * of the SQL the store modules run, imported, not copied. A full SCAN of a table that grows with
 * use fails the test; scans of json_each and of subquery results are fine.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PENDING_OF_REPO_SQL, PENDING_SQL } from "../../src/store/approvals";
import { METRICS_SQL } from "../../src/store/metrics";
import { CARDS_PRUNE_SQL, HISTORY_TABLES, PRUNABLE_SQL, pruneSql } from "../../src/store/retention";
import { CLAIM_SQL, listTasksQuery, OVERDUE_SQL } from "../../src/store/tasks";

/** How many parameters a statement takes (`?N` or plain `?`), so it can be planned with sample values. */
const paramCount = (sql: string) =>
  Math.max(0, ...[...sql.matchAll(/\?(\d+)/g)].map((m) => Number(m[1]))) || (sql.match(/\?/g) ?? []).length;

async function plan(sql: string): Promise<string[]> {
  const args = Array.from({ length: paramCount(sql) }, () => "2026-01-01T00:00:00.000Z");
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...args)
    .all<{ detail: string }>();
  return results.map((r) => r.detail);
}

/** Plan lines that read a whole table (or a whole index of one) rather than a range of it. */
const fullScans = (lines: string[]) =>
  lines.filter((d) => /^SCAN /.test(d) && !/VIRTUAL TABLE|^SCAN \(subquery|^SCAN CONSTANT ROW|^SCAN (\w+ )?USING TEMP/.test(d));

const queries: Array<[string, string]> = [
  ["reconciler: overdue tasks and expired approvals", OVERDUE_SQL],
  ["pending approvals of a user", PENDING_SQL],
  ["pending approvals of a repo, for its approvers", PENDING_OF_REPO_SQL],
  ["runner claim: limits and oldest claimable tasks", CLAIM_SQL],
  ...Object.entries(METRICS_SQL).map(([name, sql]): [string, string] => [`metrics: ${name}`, sql]),
  ["retention: ended tasks still to prune", PRUNABLE_SQL],
  // Task lists with filters (the unfiltered admin list reads the primary key backwards and stops at LIMIT).
  ["tasks of a user", listTasksQuery({ user_id: "u", limit: 50 }).sql],
  ["tasks of a user in a status, next page", listTasksQuery({ user_id: "u", status: "COMPLETED", before: "01J", limit: 50 }).sql],
  ["tasks in a status", listTasksQuery({ status: "COMPLETED", limit: 50 }).sql],
  ...HISTORY_TABLES.map((t): [string, string] => [`retention: a batch of ${t}`, pruneSql(t)]),
  ["retention: a batch of approval cards", CARDS_PRUNE_SQL],
];

describe("query plans", () => {
  it("EXPLAIN QUERY PLAN works on D1 here and sees a scan when there is one", async () => {
    expect(fullScans(await plan("SELECT * FROM approvals WHERE tool_name = 'Bash'"))).toEqual(["SCAN approvals"]);
  });

  it("the retention lookup reads only the partial index of ended, unpruned tasks", async () => {
    expect(await plan(PRUNABLE_SQL)).toContainEqual(expect.stringContaining("USING INDEX idx_tasks_prunable"));
  });

  it.each(queries)("%s reads through indexes", async (_name, sql) => {
    const lines = await plan(sql);
    expect(lines.length).toBeGreaterThan(0);
    expect(fullScans(lines), lines.join("\n")).toEqual([]);
    // A page (ORDER BY ... LIMIT) comes in index order; sorting first would read every match.
    if (/ORDER BY[\s\S]*LIMIT/.test(sql)) expect(lines, lines.join("\n")).not.toContain("USE TEMP B-TREE FOR ORDER BY");
  });
});
