import { env } from "cloudflare:workers";
import { expect, it } from "vitest";

it("answers a call to a host no fake serves with 599 and reports it, so the test that made it fails", async () => {
  const r = await fetch("https://not-a-fake.example/leak?token=x");
  expect(r.status).toBe(599);
  // Taken here so this test's own afterEach audit passes; any other test would fail on it.
  expect(await (await env.OUTBOUND_AUDIT.fetch("http://audit/")).json()).toEqual(["GET https://not-a-fake.example/leak"]);
});
