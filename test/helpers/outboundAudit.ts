/**
 * Every workers test: the worker called no host that no fake serves (vitest.config.ts answers
 * such calls 599 and records them). Checked after each test, so the test that made the call fails.
 */
import { env } from "cloudflare:workers";
import { afterEach, expect } from "vitest";

afterEach(async () => {
  const unexpected = (await (await env.OUTBOUND_AUDIT.fetch("http://audit/")).json()) as string[];
  expect(unexpected, "outbound calls to hosts no fake serves").toEqual([]);
});
