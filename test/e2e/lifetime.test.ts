/**
 * A task's lifetime end to end: real `wrangler dev`, the bundled CLI submitting with
 * --max-lifetime, and `bgagent runner` waiting in its claim (the task is pushed to it) with an
 * agent that would run far longer. The runner learns of the timeout from its heartbeat and kills it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../cli/dev/devServer.mjs";
import { request } from "../../cli/dev/http.mjs";
import { BIN, bareRepo, startRunner } from "../../cli/dev/support/e2e";

let server: DevServer;
let tmp: string;
const http = (method: string, path: string, token: string, body?: unknown) => request(method, `${server.url}${path}`, { token, body });

beforeAll(async () => {
  server = await startDevServer();
  tmp = mkdtempSync(join(tmpdir(), "bgagent-lifetime-"));
  bareRepo(tmp);
  await http("PUT", "/v1/repos/acme/widgets", server.adminToken, { max_task_lifetime_s: 3600 });
}, 120_000);
afterAll(async () => server?.stop());

describe("task lifetime against wrangler dev", () => {
  it("a task past its lifetime ends TIMED_OUT and the runner kills its agent", async () => {
    const user = (await http("POST", "/v1/admin/users", server.adminToken, { name: "dev" })).body.data;
    const runnerToken = (await http("POST", "/v1/admin/runners", server.adminToken, { name: "e2e" })).body.data.token;
    const runner = startRunner({ url: server.url, token: runnerToken, workdir: join(tmp, "work"), reposDir: tmp, agent: "sleep 120" });
    // Above the repo's cap: refused by the CLI with the API's message.
    const env = { ...process.env, BGAGENT_URL: server.url, BGAGENT_TOKEN: user.token, BGAGENT_CONFIG: join(tmp, "none.json") };
    const refused = await promisify(execFile)("node", [BIN, "submit", "acme/widgets", "too", "long", "--max-lifetime", "7200"], {
      env,
    }).catch((err) => err);
    expect(refused.code).toBe(1);
    expect(String(refused.stderr)).toContain("allows at most 3600s");

    const { stdout } = await promisify(execFile)(
      "node",
      [BIN, "submit", "acme/widgets", "take", "your", "time", "--max-lifetime", "12", "--json"],
      {
        env,
      },
    );
    const task = JSON.parse(stdout);
    expect(task.max_lifetime_s).toBe(12);
    const started = Date.now();
    expect(await runner.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(40_000);
    const out = runner.output();
    expect(out).toContain('"runner":"claimed"');
    expect(out).toContain('"runner":"lifetime_exceeded"');
    expect(out).not.toContain('"runner":"finished"');
    const after = (await http("GET", `/v1/tasks/${task.task_id}`, user.token)).body.data;
    expect(after).toMatchObject({ status: "TIMED_OUT", error_message: expect.stringContaining("max lifetime of 12s") });
    const events = (await http("GET", `/v1/tasks/${task.task_id}/events`, user.token)).body.data.events.map(
      (e: { event_type: string }) => e.event_type,
    );
    expect(events).toEqual(expect.arrayContaining(["hydration_started", "session_started", "task_timed_out"]));
  }, 90_000);
});
