/** The deploy planner and the wrangler text it reads and writes: pure functions, no wrangler. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderManifest } from "../../cli/src/deploy/manifest";
import { type Observed, planDeploy, renderPlan } from "../../cli/src/deploy/plan";
import {
  deployConfig,
  deployedUrl,
  isWorkerNotFound,
  parseD1List,
  parseQueuesList,
  parseSecretList,
  readNames,
} from "../../cli/src/deploy/wranglerText";

const root = join(import.meta.dirname, "..", "..");
const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
const names = readNames(toml);
const fresh: Observed = { databases: [], queues: [], secrets: null };
const ready: Observed = {
  databases: [{ name: "bgagent", uuid: "6f0e8a52-1111-4222-8333-944455556666" }],
  queues: ["bgagent-dispatch", "bgagent-dispatch-dlq"],
  secrets: ["ADMIN_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"],
};
const plan = (observed: Observed, fromEnv: string[] = []) => planDeploy({ names, observed, config: "wrangler.deploy.toml", fromEnv });
const ids = (o: Observed, env?: string[]) => plan(o, env).steps.map((s) => s.id);

describe("readNames: what the dev wrangler.toml names", () => {
  it("reads the Worker, the database and every queue, the dead-letter queue included", () => {
    expect(names).toEqual({
      worker: "bgagent",
      database: "bgagent",
      databaseBinding: "DB",
      queues: ["bgagent-dispatch", "bgagent-dispatch-dlq"],
    });
  });

  it("refuses a config without a D1 database", () => {
    expect(() => readNames('name = "x"\n')).toThrow(/exactly one \[\[d1_databases\]\]/);
  });
});

describe("planDeploy", () => {
  it.each([
    [
      "a new account: create everything, secrets asked for (ADMIN_TOKEN generated)",
      fresh,
      [],
      [
        "d1-create",
        "queue-create:bgagent-dispatch",
        "queue-create:bgagent-dispatch-dlq",
        "write-config",
        "migrate",
        "secret:ADMIN_TOKEN",
        "secret:SLACK_SIGNING_SECRET",
        "secret:SLACK_BOT_TOKEN",
        "deploy",
        "manifest",
      ],
    ],
    ["a set-up account: migrate and deploy only", ready, [], ["write-config", "migrate", "deploy", "manifest"]],
    [
      "only the DLQ is missing",
      { ...ready, queues: ["bgagent-dispatch"] },
      [],
      ["queue-create:bgagent-dispatch-dlq", "write-config", "migrate", "deploy", "manifest"],
    ],
    [
      "a deployed Worker without the bot token",
      { ...ready, secrets: ["ADMIN_TOKEN", "SLACK_SIGNING_SECRET"] },
      [],
      ["write-config", "migrate", "secret:SLACK_BOT_TOKEN", "deploy", "manifest"],
    ],
    [
      "optional GitHub token and a rotated Slack secret from the environment",
      ready,
      ["GITHUB_TOKEN", "SLACK_SIGNING_SECRET"],
      ["write-config", "migrate", "secret:SLACK_SIGNING_SECRET", "secret:GITHUB_TOKEN", "deploy", "manifest"],
    ],
  ] as const)("%s", (_what, observed, env, want) => {
    expect(ids(observed as Observed, [...env])).toEqual(want);
  });

  it("uses the id of the existing database by name, not another one's", () => {
    const p = plan({ ...ready, databases: [{ name: "bgagent-old", uuid: "0a0a0a0a-0000-4000-8000-000000000000" }, ...ready.databases] });
    expect(p.steps.find((s) => s.kind === "write-config")).toMatchObject({ database_id: "6f0e8a52-1111-4222-8333-944455556666" });
  });

  it("runs every remote command against the generated config, never the dev wrangler.toml", () => {
    for (const s of plan(fresh).steps) {
      if (s.kind !== "wrangler" || s.id === "d1-create" || s.id.startsWith("queue-create")) continue;
      expect(s.argv.slice(-2)).toEqual(["--config", "wrangler.deploy.toml"]);
    }
  });

  it("lists required and optional secrets with where each value comes from", () => {
    expect(plan(fresh).secrets.map((s) => [s.name, s.required, s.state, s.from ?? null])).toEqual([
      ["ADMIN_TOKEN", true, "will set", "generated"],
      ["SLACK_SIGNING_SECRET", true, "will set", "prompt"],
      ["SLACK_BOT_TOKEN", true, "will set", "prompt"],
      ["GITHUB_TOKEN", false, "not set", null],
      ["GITHUB_APP_ID", false, "not set", null],
      ["GITHUB_APP_PRIVATE_KEY", false, "not set", null],
    ]);
  });

  it("flags half a GitHub App (id without key) as a problem", () => {
    expect(plan(ready, ["GITHUB_APP_ID"]).problems).toEqual(["GitHub App auth needs both GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"]);
    expect(plan({ ...ready, secrets: [...ready.secrets!, "GITHUB_APP_ID"] }, ["GITHUB_APP_PRIVATE_KEY"]).problems).toEqual([]);
  });

  it("renders as text with the exact commands", () => {
    const text = renderPlan(plan(fresh));
    expect(text).toContain("  1. create D1 database bgagent\n       $ wrangler d1 create bgagent");
    expect(text).toContain("$ wrangler secret put SLACK_BOT_TOKEN --config wrangler.deploy.toml   (value on stdin)");
  });
});

describe("deployConfig", () => {
  it("fills in the database id and keeps everything else", () => {
    const out = deployConfig(toml, "6f0e8a52-1111-4222-8333-944455556666");
    expect(out).toContain('database_id = "6f0e8a52-1111-4222-8333-944455556666"');
    expect(out).not.toContain("00000000-0000-0000-0000-000000000000");
    expect(
      out.split("\n").slice(1).join("\n").replace("6f0e8a52-1111-4222-8333-944455556666", "00000000-0000-0000-0000-000000000000"),
    ).toBe(toml);
  });

  it("refuses something that is not a database id (it would be written into TOML)", () => {
    expect(() => deployConfig(toml, 'x"\nmain = "evil.js')).toThrow(/not a D1 database id/);
  });
});

describe("wrangler 4.86 output", () => {
  it("d1 list --json", () => {
    const out = JSON.stringify(
      [{ uuid: "u-1", name: "bgagent", created_at: "2026-11-01T10:00:00.000Z", version: "production", num_tables: 3, file_size: 1 }],
      null,
      2,
    );
    expect(parseD1List(out)).toEqual([{ uuid: "u-1", name: "bgagent" }]);
    expect(parseD1List("[]")).toEqual([]);
  });

  it("queues list (a cli-table3 table), with and without queues", () => {
    const table = [
      " ⛅️ wrangler 4.86.0",
      "┌──────────────────────────────────┬──────────────────────┬──────────────────────────┬──────────────────────────┬───────────┬───────────┐",
      "│ id                               │ name                 │ created_on               │ modified_on              │ producers │ consumers │",
      "├──────────────────────────────────┼──────────────────────┼──────────────────────────┼──────────────────────────┼───────────┼───────────┤",
      "│ 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d │ bgagent-dispatch     │ 2026-11-01T10:00:00.000Z │ 2026-11-01T10:00:00.000Z │ 1         │ 1         │",
      "├──────────────────────────────────┼──────────────────────┼──────────────────────────┼──────────────────────────┼───────────┼───────────┤",
      "│ 2a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d │ bgagent-dispatch-dlq │ 2026-11-01T10:00:00.000Z │ 2026-11-01T10:00:00.000Z │ 0         │ 1         │",
      "└──────────────────────────────────┴──────────────────────┴──────────────────────────┴──────────────────────────┴───────────┴───────────┘",
    ].join("\n");
    expect(parseQueuesList(table)).toEqual(["bgagent-dispatch", "bgagent-dispatch-dlq"]);
    expect(parseQueuesList(" ⛅️ wrangler 4.86.0\n┌┐\n└┘\n")).toEqual([]);
  });

  it("secret list, and the error of a Worker not deployed yet", () => {
    expect(parseSecretList('[\n  {\n    "name": "ADMIN_TOKEN",\n    "type": "secret_text"\n  }\n]')).toEqual(["ADMIN_TOKEN"]);
    expect(isWorkerNotFound('✘ [ERROR] Worker "bgagent" not found.\n\nIf this is a new Worker, run `wrangler deploy` first')).toBe(true);
    expect(isWorkerNotFound("✘ [ERROR] Authentication error [code: 10000]")).toBe(false);
  });

  it("the workers.dev URL after deploy", () => {
    expect(deployedUrl("Deployed bgagent triggers (1.02 sec)\n  https://bgagent.acme.workers.dev\n  schedule: */5 * * * *")).toBe(
      "https://bgagent.acme.workers.dev",
    );
    expect(deployedUrl("No deploy targets for bgagent")).toBeNull();
  });
});

describe("Slack manifest", () => {
  const yaml = readFileSync(join(root, "src", "slack", "manifest.yaml"), "utf8");

  it("every request URL points at the deployment", () => {
    const m = renderManifest(yaml, "https://bgagent.acme.workers.dev/");
    expect(m).not.toContain("YOUR-HOST");
    const urls = [...m.matchAll(/(?:url|request_url): (\S+)/g)].map((x) => x[1]);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const u of urls) expect(u).toMatch(/^https:\/\/bgagent\.acme\.workers\.dev\/slack\/(events|interactions|commands)$/);
  });

  it.each(["http://bgagent.acme.workers.dev", "not a url", "https://user:pw@x.example.com", "https://x.example.com/?a=1"])(
    "refuses %s",
    (u) => {
      expect(() => renderManifest(yaml, u)).toThrow();
    },
  );
});
