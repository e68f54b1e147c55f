/**
 * Every workers test: the worker called no host that no fake serves (vitest.config.ts answers
 * such calls 599 and records them). Checked after each test, so the test that made the call fails.
 */
import { env } from "cloudflare:workers";
import { afterEach, expect } from "vitest";

/** The recorded calls. The binding's connection can drop after a long CPU-bound test: ask again. */
async function unexpectedCalls(attempts = 3): Promise<string[]> {
  try {
    return (await (await env.OUTBOUND_AUDIT.fetch("http://audit/")).json()) as string[];
  } catch (err) {
    if (attempts <= 1) throw err;
    return unexpectedCalls(attempts - 1);
  }
}

afterEach(async () => {
  expect(await unexpectedCalls(), "outbound calls to hosts no fake serves").toEqual([]);
});
