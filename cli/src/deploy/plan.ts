/**
 * `bgagent deploy`, the planning half: a pure function from what the Cloudflare account already has
 * (observed with wrangler) to the steps and exact wrangler commands that bring it to a running
 * bgagent. No I/O here, so `--dry-run` and the tests use the same code the real deploy runs.
 */

/** What the dev wrangler.toml names: the generated deploy config keeps these names. */
export interface DeployNames {
  worker: string;
  database: string;
  /** The D1 binding, for `wrangler d1 migrations apply <binding>`. */
  databaseBinding: string;
  /** Every queue the Worker produces to or consumes from, the dead-letter queue included. */
  queues: string[];
}

/** The account as wrangler reported it. */
export interface Observed {
  databases: { name: string; uuid: string }[];
  queues: string[];
  /** Secret names set on the Worker; null when the Worker does not exist yet (first deploy). */
  secrets: string[] | null;
}

export interface SecretSpec {
  name: string;
  required: boolean;
  what: string;
}

/**
 * Secrets the Worker reads. Slack is how people reach bgagent, so its two are required; GitHub
 * comments are optional (either a fine-grained token or a GitHub App id and private key).
 */
export const SECRETS: SecretSpec[] = [
  { name: "ADMIN_TOKEN", required: true, what: "bootstrap admin bearer token (generated when missing)" },
  { name: "SLACK_SIGNING_SECRET", required: true, what: "Slack app > Basic Information > Signing Secret" },
  { name: "SLACK_BOT_TOKEN", required: true, what: "Slack app > OAuth & Permissions > Bot User OAuth Token (xoxb-...)" },
  { name: "GITHUB_TOKEN", required: false, what: "GitHub fine-grained token (Issues: write, Pull requests: read), or the App pair below" },
  { name: "GITHUB_APP_ID", required: false, what: "GitHub App id (with GITHUB_APP_PRIVATE_KEY, instead of GITHUB_TOKEN)" },
  { name: "GITHUB_APP_PRIVATE_KEY", required: false, what: "GitHub App private key, PEM" },
];

/** Where a secret's value comes from when the deploy sets it. */
export type SecretSource = "env" | "prompt" | "generated";

export type Step =
  | { kind: "wrangler"; id: string; title: string; argv: string[]; secret?: { name: string; from: SecretSource } }
  | { kind: "write-config"; id: string; title: string; path: string; database_id: string | null }
  | { kind: "manifest"; id: string; title: string };

export interface Plan {
  names: DeployNames;
  config: string;
  steps: Step[];
  secrets: { name: string; required: boolean; state: "set" | "will set" | "not set"; from?: SecretSource; what: string }[];
  problems: string[];
}

export interface PlanInput {
  names: DeployNames;
  observed: Observed;
  /** The generated config every remote command uses (the dev wrangler.toml stays as it is). */
  config: string;
  /** Secret names whose values are in the environment of `bgagent deploy`. */
  fromEnv: string[];
}

const GITHUB_APP = ["GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY"];

export function planDeploy({ names, observed, config, fromEnv }: PlanInput): Plan {
  const steps: Step[] = [];
  const problems: string[] = [];
  const db = observed.databases.find((d) => d.name === names.database);
  if (!db)
    steps.push({
      kind: "wrangler",
      id: "d1-create",
      title: `create D1 database ${names.database}`,
      argv: ["d1", "create", names.database],
    });
  for (const q of names.queues) {
    if (!observed.queues.includes(q))
      steps.push({ kind: "wrangler", id: `queue-create:${q}`, title: `create queue ${q}`, argv: ["queues", "create", q] });
  }
  steps.push({
    kind: "write-config",
    id: "write-config",
    title: `write ${config} with the database id${db ? ` (${db.uuid})` : " (from d1 create)"}`,
    path: config,
    database_id: db?.uuid ?? null,
  });
  steps.push({
    kind: "wrangler",
    id: "migrate",
    title: "apply D1 migrations (remote)",
    argv: ["d1", "migrations", "apply", names.databaseBinding, "--remote", "--config", config],
  });

  const set = new Set(observed.secrets ?? []);
  const env = new Set(fromEnv);
  const secrets: Plan["secrets"] = [];
  for (const s of SECRETS) {
    if (set.has(s.name) && !env.has(s.name)) {
      secrets.push({ name: s.name, required: s.required, state: "set", what: s.what });
      continue;
    }
    // A value in the environment replaces the Worker's (a way to rotate); a missing required one is asked for.
    const from: SecretSource | null = env.has(s.name) ? "env" : !s.required ? null : s.name === "ADMIN_TOKEN" ? "generated" : "prompt";
    if (!from) {
      secrets.push({ name: s.name, required: false, state: "not set", what: s.what });
      continue;
    }
    secrets.push({ name: s.name, required: s.required, state: "will set", from, what: s.what });
    steps.push({
      kind: "wrangler",
      id: `secret:${s.name}`,
      title: `set secret ${s.name} (${from === "env" ? "from the environment" : from === "generated" ? "generated" : "asked for"})`,
      argv: ["secret", "put", s.name, "--config", config],
      secret: { name: s.name, from },
    });
  }
  const hasApp = GITHUB_APP.map((n) => set.has(n) || env.has(n));
  if (hasApp[0] !== hasApp[1]) problems.push("GitHub App auth needs both GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY");

  steps.push({ kind: "wrangler", id: "deploy", title: "deploy the Worker", argv: ["deploy", "--config", config] });
  steps.push({ kind: "manifest", id: "manifest", title: "print the Slack app manifest with this deployment's request URLs" });
  return { names, config, steps, secrets, problems };
}

/** A shell-readable command line for a step (arguments with spaces quoted). */
export const commandLine = (argv: string[]): string =>
  ["wrangler", ...argv].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");

export function renderPlan(plan: Plan): string {
  const lines = [`Deploy plan for Worker "${plan.names.worker}" (config ${plan.config}):`];
  plan.steps.forEach((s, i) => {
    lines.push(`  ${i + 1}. ${s.title}`);
    if (s.kind === "wrangler") lines.push(`       $ ${commandLine(s.argv)}${s.secret ? "   (value on stdin)" : ""}`);
  });
  lines.push("Secrets:");
  for (const s of plan.secrets) {
    lines.push(`  ${s.name.padEnd(24)} ${s.required ? "required" : "optional"}  ${s.state}${s.from ? ` (${s.from})` : ""}  - ${s.what}`);
  }
  for (const p of plan.problems) lines.push(`Problem: ${p}`);
  return lines.join("\n");
}
