import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.WRANGLER_SEND_METRICS = "false";

/** Outbound calls of the worker under test to hosts no fake serves (see outboundService). */
const unexpectedOutbound: string[] = [];

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      // Vitest defaults to one worker on a 2-core machine; most files here wait on I/O (workerd,
      // wrangler dev, timers), so three run side by side without starving each other.
      maxWorkers: 3,
      projects: [
        {
          // Worker code inside workerd, against real local D1, Durable Objects and queues.
          plugins: [
            cloudflareTest({
              main: "./src/index.ts",
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ADMIN_TOKEN: "test-admin-token",
                  SLACK_SIGNING_SECRET: "test-signing-secret",
                  SLACK_BOT_TOKEN: "xoxb-test-token",
                  GITHUB_TOKEN: "ghs_testtoken",
                  SLACK_API_BASE_URL: "https://fake-slack.test/api/",
                  GITHUB_API_BASE_URL: "https://fake-github.test/",
                },
                // Outbound calls a test did not intercept: the two fake hosts get a bland success (work
                // a queue consumer does after its test ended); any other host is a bug. It gets a 599
                // and is recorded, and test/helpers/outboundAudit.ts fails the test that made it.
                outboundService: async (req: Request) => {
                  const url = new URL(req.url);
                  if (url.hostname === "fake-github.test") return Response.json({ id: 1 }, { status: 201 });
                  if (url.hostname === "fake-slack.test") return Response.json({ ok: true, ts: "1.1", channel: "C0" });
                  unexpectedOutbound.push(`${req.method} ${url.origin}${url.pathname}`);
                  return new Response(`unexpected outbound host ${url.hostname} (vitest.config.ts)`, { status: 599 });
                },
                serviceBindings: {
                  // Hands over (and forgets) the unexpected outbound calls recorded so far.
                  OUTBOUND_AUDIT: async () => Response.json(unexpectedOutbound.splice(0)),
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/**/*.test.ts"],
            exclude: ["test/e2e/**", "test/cli/**", "test/architecture.test.ts"],
            setupFiles: ["./test/helpers/applyMigrations.ts", "./test/helpers/outboundAudit.ts"],
            testTimeout: 20_000,
            // Structured logs are shown only for failing tests.
            silent: "passed-only",
          },
        },
        {
          // The CLI as users run it: the bundled `bgagent` in Node.
          test: {
            name: "node",
            include: ["test/cli/**/*.test.ts", "test/e2e/**/*.test.ts", "test/architecture.test.ts"],
            environment: "node",
            testTimeout: 60_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});
