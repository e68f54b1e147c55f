/**
 * GitHub dispatch failures (classified: rate limits and 5xx retry, what only an operator can fix is
 * dead-lettered at once with the reason) and GitHub App credentials, against the fake GitHub.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Failure, FakeApis } from "../../cli/dev/support/fakeApis";
import { pkcs1ToPkcs8 } from "../../src/dispatch/githubAuth";
import type { Env } from "../../src/env";
import { newId } from "../../src/shared/ids";
import type { DispatchMessage, TaskView } from "../../src/shared/types";
import { ADMIN, call } from "../helpers/api";
import { deliver, message, one, slackTask } from "../helpers/dispatch";
import { installFakeApis } from "../helpers/fakeFetch";

let fake: FakeApis;
beforeEach(() => {
  fake = installFakeApis();
});
afterEach(() => vi.restoreAllMocks());

const completed = (t: TaskView, version = 3) => message(t, "github", "task_completed", {}, { status: "COMPLETED", version });

const deadLetter = (id: string) =>
  env.DB.prepare("SELECT reason, task_id, attempts FROM dead_letters WHERE id = ?").bind(id).first<{ reason: string; task_id: string }>();
const delivery = (m: DispatchMessage) => env.DB.prepare("SELECT status FROM deliveries WHERE event_id = ?").bind(m.event.event_id).first();

describe("GitHub failures", () => {
  const inSeconds = (s: number) => String(Math.floor(Date.now() / 1000) + s);
  // Headers are built at call time: a reset time fixed when the table was built would drift.
  it.each<[string, () => Failure, number, number]>([
    [
      "a primary rate limit (403, x-ratelimit-remaining 0) at x-ratelimit-reset",
      () => ({ kind: "status", status: 403, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": inSeconds(120) } }),
      119,
      120,
    ],
    [
      "a primary rate limit an hour away, beyond the 5 min backoff cap",
      () => ({ kind: "status", status: 429, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": inSeconds(3000) } }),
      2999,
      3000,
    ],
    [
      "a secondary rate limit after its retry-after",
      () => ({
        kind: "status",
        status: 403,
        headers: { "retry-after": "30" },
        body: { message: "You have exceeded a secondary rate limit." },
      }),
      30,
      30,
    ],
    [
      "a secondary rate limit known by its message only, after a minute",
      () => ({ kind: "status", status: 403, body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes." } }),
      60,
      60,
    ],
    ["a 429 without hints, after a minute", () => ({ kind: "status", status: 429 }), 60, 60],
    ["HTTP 502 with backoff", () => ({ kind: "status", status: 502 }), 4, 4],
    ["a timeout with backoff", () => ({ kind: "timeout" }), 4, 4],
  ])("retries %s", async (_what, failure, min, max) => {
    const t = await slackTask({ issue: 7 });
    fake.fail("github", failure());
    const r = await one(completed(t), 2);
    expect(r.acked).toEqual([]);
    expect(r.retried[0].delaySeconds).toBeGreaterThanOrEqual(min);
    expect(r.retried[0].delaySeconds).toBeLessThanOrEqual(max);
  });

  it.each<[number, unknown, string]>([
    [401, { message: "Bad credentials" }, "bad credentials (Bad credentials)"],
    [403, { message: "Resource not accessible by personal access token" }, "permission denied"],
    [403, { message: "Unable to create comment because issue is locked." }, "the issue is locked"],
    [404, { message: "Not Found" }, "not found, or no access"],
    [410, { message: "Issues are disabled for this repo" }, "gone (issues disabled?)"],
    [422, { message: "Validation Failed" }, "unprocessable"],
  ])("HTTP %s %j goes to the dead letters at once, with the reason", async (status, body, reason) => {
    const t = await slackTask({ issue: 7 });
    fake.fail("github", { kind: "status", status, body });
    const m = completed(t);
    const id = `perm-${m.event.event_id}`;
    expect(await deliver([{ id, body: m }])).toEqual({ acked: [id], retried: [] });
    expect(fake.githubCalls()).toHaveLength(1);
    expect(await deadLetter(id)).toMatchObject({ reason: expect.stringContaining(reason), task_id: t.task_id });
    // Not recorded as delivered, so a replay after the fix delivers it.
    expect(await delivery(m)).toBeNull();
  });

  it("a dead-lettered permission failure is delivered by a replay once fixed", async () => {
    const t = await slackTask({ issue: 9 });
    fake.fail("github", { kind: "status", status: 403, body: { message: "Resource not accessible by integration" } });
    const m = completed(t);
    const id = `replay-${m.event.event_id}`;
    expect((await deliver([{ id, body: m }])).acked).toEqual([id]);
    const listed = (await call("GET", "/v1/admin/dead-letters", { token: ADMIN })).body.data.dead_letters.find((d: any) => d.id === id);
    expect(listed.reason).toContain("permission denied");
    expect((await call("POST", `/v1/admin/dead-letters/${id}/replay`, { token: ADMIN })).status).toBe(202);
    await vi.waitFor(() => expect(fake.succeeded("github", `POST /repos/${t.repo}/issues/9/comments`)).toHaveLength(1), {
      timeout: 10_000,
      interval: 100,
    });
  });
});

// --- GitHub App ---

const toPem = (label: string, der: Uint8Array) =>
  `-----BEGIN ${label}-----\n${btoa(String.fromCharCode(...der))
    .match(/.{1,64}/g)!
    .join("\n")}\n-----END ${label}-----\n`;

/** The PKCS#1 key inside WebCrypto's PKCS#8 (what GitHub's "BEGIN RSA PRIVATE KEY" download holds). */
function pkcs1Of(pkcs8: Uint8Array): Uint8Array {
  const tlv = (at: number) => {
    let len = pkcs8[at + 1];
    let start = at + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + pkcs8[start + i];
      start += n;
    }
    return { start, end: start + len };
  };
  const version = tlv(tlv(0).start);
  const algorithm = tlv(version.end);
  const key = tlv(algorithm.end);
  return pkcs8.slice(key.start, key.end);
}

async function appKeys() {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  return { publicKey: pair.publicKey, pkcs8, pkcs8Pem: toPem("PRIVATE KEY", pkcs8), pkcs1Pem: toPem("RSA PRIVATE KEY", pkcs1Of(pkcs8)) };
}

describe("GitHub App", () => {
  let keys: Awaited<ReturnType<typeof appKeys>>;
  let appId: string;
  beforeEach(async () => {
    keys ??= await appKeys();
    appId = String(100_000 + Math.floor(Math.random() * 800_000)); // tokens are cached per isolate and App
  });
  const appEnv = (extra: Partial<Env> = {}): Env => ({
    ...env,
    GITHUB_TOKEN: "ghs_static_token_must_not_be_used",
    GITHUB_APP_ID: appId,
    GITHUB_APP_PRIVATE_KEY: keys.pkcs8Pem,
    ...extra,
  });
  const minted = () => fake.githubCalls("POST /app/installations/").filter((c) => !c.failed);

  it("wraps GitHub's PKCS#1 key into exactly the PKCS#8 WebCrypto exports", () => {
    expect([...pkcs1ToPkcs8(pkcs1Of(keys.pkcs8))]).toEqual([...keys.pkcs8]);
  });

  it("comments with an installation token minted by a signed JWT, and reuses it", async () => {
    fake.actAsApp(appId, keys.publicKey, { acme: 77 });
    const t = await slackTask({ issue: 12 });
    expect((await one(message(t, "github", "pr_created", {}, { version: 3 }), 1, appEnv())).acked).toEqual(["only"]);
    expect((await one(completed(t, 4), 1, appEnv())).acked).toEqual(["only"]);
    expect(fake.githubCalls().map((c) => c.method)).toEqual([
      `GET /repos/${t.repo}/installation`,
      "POST /app/installations/77/access_tokens",
      `POST /repos/${t.repo}/issues/12/comments`,
      `PATCH /repos/${t.repo}/issues/comments/${[...fake.comments.keys()][0]}`,
    ]);
    const now = Math.floor(Date.now() / 1000);
    expect(fake.appJwts).toHaveLength(2);
    for (const c of fake.appJwts) {
      expect(c.iss).toBe(appId);
      expect(c.iat).toBeLessThanOrEqual(now - 59);
      expect(c.exp - c.iat).toBeLessThanOrEqual(600);
    }
  });

  it.each([
    ["PKCS#1 (BEGIN RSA PRIVATE KEY, as GitHub hands it out)", () => keys.pkcs1Pem],
    ["PKCS#8 with escaped newlines", () => keys.pkcs8Pem.replace(/\n/g, "\\n")],
  ])("accepts a key in %s", async (_what, pem) => {
    fake.actAsApp(appId, keys.publicKey, { acme: 78 });
    const t = await slackTask({ issue: 13 });
    expect((await one(completed(t), 1, appEnv({ GITHUB_APP_PRIVATE_KEY: pem() }))).acked).toEqual(["only"]);
    expect(fake.succeeded("github", `POST /repos/${t.repo}/issues/13/comments`)).toHaveLength(1);
  });

  it("mints a new token when the cached one expires within 5 minutes", async () => {
    fake.actAsApp(appId, keys.publicKey, { acme: 79 }, 240);
    const t = await slackTask({ issue: 14 });
    await one(message(t, "github", "pr_created", {}, { version: 3 }), 1, appEnv());
    await one(completed(t, 4), 1, appEnv());
    expect(minted()).toHaveLength(2);
    expect(fake.githubCalls("PATCH")).toHaveLength(1);
  });

  it("after a 401 drops the cached token and retries the call once with a new one", async () => {
    fake.actAsApp(appId, keys.publicKey, { acme: 80 });
    const t = await slackTask({ issue: 15 });
    await one(message(t, "github", "pr_created", {}, { version: 3 }), 1, appEnv());
    fake.revokeAppTokens();
    expect((await one(completed(t, 4), 1, appEnv())).acked).toEqual(["only"]);
    expect(minted()).toHaveLength(2);
    expect(fake.githubCalls("PATCH").length).toBe(2);
    expect(fake.succeeded("github", "PATCH")).toHaveLength(2); // the 401 answer is not an injected failure
    expect([...fake.comments.values()][0].body).toContain("COMPLETED");
  });

  it("dead-letters a call refused with 401 twice", async () => {
    fake.actAsApp(appId, keys.publicKey, { acme: 81 });
    const t = await slackTask({ issue: 16 });
    fake.fail("github", { kind: "status", status: 401, body: { message: "Bad credentials" } }, 2, "/issues/");
    const id = `app401-${newId()}`;
    expect((await deliver([{ id, body: completed(t) }], "bgagent-dispatch", appEnv())).acked).toEqual([id]);
    expect(minted()).toHaveLength(2);
    expect((await deadLetter(id))?.reason).toContain("bad credentials");
  });

  it.each<[string, () => Partial<Env>, Record<string, number>, string]>([
    ["a JWT signed with another key (the fake checks the signature)", () => ({}), { acme: 82 }, "refused its JWT"],
    ["an owner the App is not installed on", () => ({}), { other: 83 }, "not installed on acme/"],
    ["half a configuration", () => ({ GITHUB_APP_PRIVATE_KEY: undefined }), { acme: 84 }, "GITHUB_APP_PRIVATE_KEY is not set"],
    ["a key that is not PEM", () => ({ GITHUB_APP_PRIVATE_KEY: "not a key" }), { acme: 85 }, "is not a PEM private key"],
  ])("dead-letters %s with the reason, never falling back to GITHUB_TOKEN", async (what, extra, installations, reason) => {
    const other = what.startsWith("a JWT") ? await appKeys() : keys;
    fake.actAsApp(appId, other.publicKey, installations);
    const t = await slackTask({ issue: 17 });
    const id = `app-${newId()}`;
    expect((await deliver([{ id, body: completed(t) }], "bgagent-dispatch", appEnv(extra()))).acked).toEqual([id]);
    expect((await deadLetter(id))?.reason).toContain(reason);
    expect(fake.githubCalls("POST /repos")).toHaveLength(0);
    expect(fake.githubCalls("PATCH")).toHaveLength(0);
  });
});
