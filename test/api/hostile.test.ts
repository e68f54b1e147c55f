/**
 * Malformed and hostile input on every route: never a 500, always the error envelope, and the
 * state behind the route unchanged. Bodies are sent with valid credentials so they reach the parser.
 */

import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, call, createRunner, runningTask } from "../helpers/api";

let t: Awaited<ReturnType<typeof runningTask>>;
let runnerToken: string;
beforeAll(async () => {
  t = await runningTask();
  runnerToken = (await createRunner()).token;
});

async function raw(method: string, path: string, token: string, body?: BodyInit, contentType = "application/json") {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = contentType;
  const res = await exports.default.fetch(new Request(`http://bgagent.test${path}`, { method, headers, body }));
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* checked below */
  }
  return { status: res.status, json, text };
}

function expectClean(r: { status: number; json: any; text: string }, what: string) {
  expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBeLessThan(500);
  if (r.status >= 400) {
    expect(r.json?.error, what).toMatchObject({ code: expect.any(String), message: expect.any(String), request_id: expect.any(String) });
  }
}

const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const HOSTILE_BODIES: Array<[string, BodyInit, string?]> = [
  ["truncated JSON", '{"tool_name": "Bash", "tool_input": {'],
  ["array", "[]"],
  ["null", "null"],
  ["number", "42"],
  ["string", '"hello"'],
  ["nested 20k deep", deep(20_000)],
  ["__proto__ keys", '{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}'],
  ["NUL and control chars", '{"description": "a\\u0000b\\u001b[31m", "name": "\\u0000"}'],
  ["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ["300 KB string", JSON.stringify({ description: "x".repeat(300_000) })],
  ["form body", "a=1&b=2", "application/x-www-form-urlencoded"],
  ["wrong types", '{"repo": 1, "description": [], "tool_name": {}, "tool_input": "x", "request_id": 5, "status": true, "type": null}'],
];

describe("hostile bodies on every route that takes one", () => {
  const routes = () =>
    [
      ["POST", "/v1/tasks", t.user.token],
      ["POST", `/v1/tasks/${t.taskId}/events`, t.taskToken],
      ["POST", `/v1/tasks/${t.taskId}/finish`, t.taskToken],
      ["POST", `/v1/tasks/${t.taskId}/gate`, t.taskToken],
      ["POST", `/v1/tasks/${t.taskId}/approve`, t.user.token],
      ["POST", `/v1/tasks/${t.taskId}/deny`, t.user.token],
      ["POST", "/v1/admin/users", ADMIN],
      ["POST", "/v1/admin/runners", ADMIN],
      ["PUT", "/v1/repos/acme/hostile", ADMIN],
      ["POST", "/v1/slack/link", t.user.token],
      ["PUT", "/v1/slack/channels/C0HOSTILE", ADMIN],
    ] as const;

  it("answers each with a 4xx envelope (or a normal answer), never a 500, and changes nothing", async () => {
    for (const [method, path, token] of routes()) {
      for (const [name, body, type] of HOSTILE_BODIES)
        expectClean(await raw(method, path, token, body, type), `${method} ${path} with ${name}`);
    }
    const task = (await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token })).body.data;
    expect(task.status).toBe("RUNNING");
    expect((await call("GET", "/v1/repos/acme/hostile/policies", { token: ADMIN })).body.error.code).toBe("REPO_NOT_ONBOARDED");
    expect(({} as any).admin).toBeUndefined();
  });
});

describe("hostile path and query parameters", () => {
  const ids = [
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "x".repeat(5000),
    "%F0%9F%99%82",
    "'%20OR%201%3D1%20--",
    "%E0%A4%A",
    "01ARZ3NDEKTSV4RRFFQ69G5FAV",
  ];
  it("gets 400 or 404 with the envelope", async () => {
    for (const id of ids) {
      for (const [method, path, token] of [
        ["GET", `/v1/tasks/${id}`, t.user.token],
        ["GET", `/v1/tasks/${id}/events`, t.user.token],
        ["POST", `/v1/tasks/${id}/cancel`, t.user.token],
        ["GET", `/v1/tasks/${t.taskId}/approvals/${id}?wait=1`, t.taskToken],
        ["GET", `/v1/repos/${id}/x/policies`, ADMIN],
        ["POST", `/v1/admin/dead-letters/${id}/replay`, ADMIN],
        ["GET", `/v1/tasks?status=${id}&limit=${id}&before=${id}`, t.user.token],
        ["GET", `/v1/metrics?since=${id}`, ADMIN],
        ["POST", `/v1/runner/claim?wait=${id}`, runnerToken],
        ["DELETE", `/v1/admin/slack-links/${id}?team_id=${id}`, ADMIN],
        ["DELETE", `/v1/admin/slack-links/${id}`, ADMIN],
        ["DELETE", `/v1/admin/users/${id}/slack-links`, ADMIN],
        ["DELETE", `/v1/admin/runners/${id}/tokens`, ADMIN],
      ] as const) {
        const r = await raw(method, path, token);
        expectClean(r, `${method} ${path.slice(0, 120)}`);
        expect(r.status, `${method} ${path.slice(0, 80)}`).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it("rejects hostile Authorization headers with 401, not 500", async () => {
    const get = (authorization: string) =>
      exports.default.fetch(new Request(`http://bgagent.test/v1/tasks/${t.taskId}`, { headers: { authorization } }));
    for (const h of ["Bearer", "Bearer ", "Basic abc", `Bearer ${"a".repeat(10_000)}`, "Bearer bgt_%00_x", "Bearer bgu_' OR 1=1 --"]) {
      expect((await get(h)).status, h.slice(0, 40)).toBe(401);
    }
    // a well-formed but forged task token is checked by the task itself: the same 404 as no task
    expect((await get(`Bearer bgt_${t.taskId}_${"z".repeat(40)}`)).status).toBe(404);
  });
});

describe("fuzz: generated gate calls", () => {
  it("always get a decision or a 400, and an unknown shape is never allowed by accident", async () => {
    const tool = fc.oneof(fc.constantFrom("Bash", "Write", "Edit", "Read", "MultiEdit", "WebFetch"), fc.string({ maxLength: 120 }));
    const input = fc.dictionary(
      fc.oneof(fc.constantFrom("command", "file_path", "content", "url", "edits"), fc.string()),
      fc.jsonValue({ maxDepth: 4 }),
      { maxKeys: 5 },
    );
    await fc.assert(
      fc.asyncProperty(tool, input, async (tool_name, tool_input) => {
        const r = await raw("POST", `/v1/tasks/${t.taskId}/gate`, t.taskToken, JSON.stringify({ tool_name, tool_input }));
        expectClean(r, `${tool_name} ${JSON.stringify(tool_input).slice(0, 200)}`);
        if (r.status !== 200) return;
        const d = r.json.data;
        expect(["allow", "deny", "require_approval"]).toContain(d.outcome);
        // a Bash call whose command is not a string cannot be checked, so it is not allowed
        if (tool_name === "Bash" && typeof tool_input.command !== "string") expect(d.outcome).not.toBe("allow");
        if (d.outcome === "require_approval") {
          await call("POST", `/v1/tasks/${t.taskId}/deny`, { token: t.user.token, body: { request_id: d.request_id } });
        }
      }),
      { numRuns: 100, seed: 20261125 },
    );
    // 100 round trips through the worker and the task's DO: seconds alone, more on a loaded machine.
  }, 60_000);
});
