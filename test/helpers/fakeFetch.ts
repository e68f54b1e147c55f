import { vi } from "vitest";
import { FakeApis, GITHUB_HOST, SLACK_HOST } from "../../cli/dev/support/fakeApis";

/** Route the worker's outbound fetches to a fresh fake (same isolate as the tests). */
export function installFakeApis(): FakeApis {
  const fake = new FakeApis();
  const real = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input as RequestInfo, init);
    const host = new URL(req.url).hostname;
    if (host === SLACK_HOST || host === GITHUB_HOST) return fake.handle(req);
    return real(input as RequestInfo, init);
  });
  return fake;
}
