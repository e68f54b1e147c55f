/**
 * `bgagent deploy`, the doing half: observe the account with wrangler, plan (plan.ts), collect the
 * secret values before anything changes, then run the plan step by step and stop at the first
 * failure. wrangler is whatever `wrangler` is first on PATH (npm run puts the project's there),
 * else the project's own node_modules/.bin/wrangler.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, readFileSync, writeFileSync } from "node:fs";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { CliError } from "../client";
import { readManifestTemplate, renderManifest, slackBaseUrl } from "./manifest";
import { commandLine, type Observed, type Plan, planDeploy, renderPlan, SECRETS, type Step } from "./plan";
import {
  deployConfig,
  deployedUrl,
  isWorkerNotFound,
  parseD1List,
  parseQueuesList,
  parseSecretList,
  readNames,
  stripAnsi,
} from "./wranglerText";

export interface DeployOptions {
  /** The dev wrangler.toml; the generated config goes next to it. */
  config: string;
  dryRun: boolean;
  /** The service's public URL when it is not the workers.dev one (custom domain). */
  url?: string;
  json: boolean;
}

export const DEPLOY_CONFIG = "wrangler.deploy.toml";

interface Ran {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function findWrangler(projectDir: string): string {
  const candidates = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), join(projectDir, "node_modules", ".bin")];
  for (const dir of candidates) {
    try {
      accessSync(join(dir, "wrangler"), constants.X_OK);
      return join(dir, "wrangler");
    } catch {}
  }
  throw new CliError("wrangler not found: run `npm ci` in the bgagent checkout (or install wrangler)", "NOT_FOUND");
}

function wrangler(bin: string, cwd: string, argv: string[], input?: string): Ran {
  const r = spawnSync(bin, argv, {
    cwd,
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" },
  });
  if (r.error) throw new CliError(`cannot run ${bin}: ${r.error.message}`, "WRANGLER_FAILED");
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}

const tail = (r: Ran) => stripAnsi(`${r.stderr}\n${r.stdout}`).trim().split("\n").slice(-12).join("\n");

const fail = (what: string, r: Ran) => new CliError(`${what} failed:\n${tail(r)}`, "WRANGLER_FAILED");

/** The account's D1 databases, queues and the Worker's secrets. Throws when wrangler cannot read the account. */
function observe(bin: string, cwd: string, sourceConfig: string): Observed {
  const d1 = wrangler(bin, cwd, ["d1", "list", "--json"]);
  if (!d1.ok) throw fail("wrangler d1 list --json", d1);
  const queues = wrangler(bin, cwd, ["queues", "list"]);
  if (!queues.ok) throw fail("wrangler queues list", queues);
  const secrets = wrangler(bin, cwd, ["secret", "list", "--config", sourceConfig]);
  if (!secrets.ok && !isWorkerNotFound(`${secrets.stderr}\n${secrets.stdout}`)) throw fail("wrangler secret list", secrets);
  return {
    databases: parseD1List(d1.stdout),
    queues: parseQueuesList(queues.stdout),
    secrets: secrets.ok ? parseSecretList(secrets.stdout) : null,
  };
}

async function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the question shows: an answer typed (or pasted) the moment it appears is never echoed.
  stdin.setRawMode(true);
  process.stderr.write(question);
  stdin.resume();
  stdin.setEncoding("utf8");
  return new Promise((resolveValue, reject) => {
    let value = "";
    const done = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") {
          done();
          resolveValue(value.trim());
          return;
        }
        if (ch === "\u0003") {
          done();
          reject(new CliError("cancelled", "CANCELLED"));
          return;
        }
        value = ch === "\u007f" ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on("data", onData);
  });
}

/** Every secret value the plan needs, gathered before the first change to the account. */
async function secretValues(plan: Plan): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const wanted = plan.steps.flatMap((s) => (s.kind === "wrangler" && s.secret ? [s.secret] : []));
  const toAsk = wanted.filter((s) => s.from === "prompt").map((s) => s.name);
  if (toAsk.length && !process.stdin.isTTY) {
    throw new CliError(
      `missing required secrets ${toAsk.join(", ")}: no terminal to ask on, so set them in the environment (e.g. ${toAsk[0]}=... npm run deploy)`,
      "MISSING_SECRETS",
    );
  }
  for (const s of wanted) {
    if (s.from === "env") values.set(s.name, process.env[s.name] ?? "");
    else if (s.from === "generated") values.set(s.name, randomBytes(32).toString("base64url"));
    else {
      const spec = SECRETS.find((x) => x.name === s.name);
      const v = await askHidden(`${s.name} (${spec?.what ?? "secret"}): `);
      if (!v) throw new CliError(`${s.name} is required`, "MISSING_SECRETS");
      values.set(s.name, v);
    }
  }
  return values;
}

const jsonPlan = (plan: Plan) => ({
  config: plan.config,
  names: plan.names,
  steps: plan.steps.map((s) => ({
    id: s.id,
    title: s.title,
    ...(s.kind === "wrangler" ? { argv: ["wrangler", ...s.argv], command: commandLine(s.argv) } : {}),
    ...(s.kind === "wrangler" && s.secret ? { stdin: `the value of ${s.secret.name} (${s.secret.from})` } : {}),
  })),
  secrets: plan.secrets,
  problems: plan.problems,
});

const say = (m: string) => process.stderr.write(`${m}\n`);

export async function runDeploy(opts: DeployOptions): Promise<void> {
  const source = resolve(opts.config);
  const dir = dirname(source);
  let toml: string;
  try {
    toml = readFileSync(source, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${opts.config}: ${(err as Error).message}`, "USAGE");
  }
  const names = readNames(toml);
  const bin = findWrangler(dir);
  const fromEnv = SECRETS.filter((s) => process.env[s.name]).map((s) => s.name);

  if (opts.url) slackBaseUrl(opts.url);
  let observed: Observed;
  let note: string | null = null;
  try {
    observed = observe(bin, dir, basename(source));
  } catch (err) {
    // Planning must work without an account: plan as for a new one and say why.
    if (!opts.dryRun) {
      throw new CliError(
        `${(err as Error).message}\n(log in first with \`npx wrangler login\`, or set CLOUDFLARE_API_TOKEN)`,
        "WRANGLER_FAILED",
      );
    }
    observed = { databases: [], queues: [], secrets: null };
    note = `could not read the Cloudflare account, so this plans for a new one (${(err as Error).message.split("\n").slice(0, 3).join(" ")})`;
  }
  const plan = planDeploy({ names, observed, config: DEPLOY_CONFIG, fromEnv });

  if (opts.dryRun) {
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ dry_run: true, account_read: note === null, note, observed, plan: jsonPlan(plan) }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(`${note ? `Note: ${note}\n` : ""}${renderPlan(plan)}\n(dry run: nothing was changed)\n`);
    }
    return;
  }
  if (plan.problems.length) throw new CliError(plan.problems.join("; "), "USAGE");
  say(renderPlan(plan));
  const secrets = await secretValues(plan);

  let databaseId: string | null = null;
  let url = opts.url ?? null;
  for (const [i, step] of plan.steps.entries()) {
    say(`\n==> ${i + 1}/${plan.steps.length} ${step.title}`);
    const learned = runStep(step, { bin, dir, toml, database: plan.names.database, secrets, databaseId });
    databaseId = learned.databaseId ?? databaseId;
    url ??= learned.url ?? null;
    // Shown as soon as the Worker has it, so a later failed step cannot lose it.
    if (step.kind === "wrangler" && step.secret?.from === "generated") {
      say(`${step.secret.name} (generated; shown once, keep it for bgagent admin and stats): ${secrets.get(step.secret.name)}`);
    }
  }
  const admin = secrets.get("ADMIN_TOKEN");
  const summary = {
    url,
    database_id: databaseId,
    config: DEPLOY_CONFIG,
    ...(admin && plan.secrets.find((s) => s.name === "ADMIN_TOKEN")?.from === "generated" ? { admin_token: admin } : {}),
    slack_manifest: url ? renderManifest(readManifestTemplate(), url) : null,
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const out = [`\nDeployed${url ? ` to ${url}` : ""}.`];
  out.push(
    summary.slack_manifest
      ? `\nSlack app manifest (api.slack.com/apps > Create New App > From an app manifest, or paste it over the app's manifest):\n\n${summary.slack_manifest.trimEnd()}`
      : "\nNo workers.dev URL in wrangler's output: print the Slack manifest with `bgagent slack manifest --url https://<your host>`.",
  );
  process.stdout.write(`${out.join("\n")}\n`);
}

interface StepContext {
  bin: string;
  dir: string;
  toml: string;
  database: string;
  secrets: Map<string, string>;
  databaseId: string | null;
}

/** Runs one step; returns what it learned (the new database's id, the deployed URL). */
function runStep(step: Step, ctx: StepContext): { databaseId?: string; url?: string | null } {
  if (step.kind === "manifest") return {};
  if (step.kind === "write-config") {
    const id = step.database_id ?? ctx.databaseId;
    if (!id) throw new CliError("no database id: d1 create did not report one", "WRANGLER_FAILED");
    writeFileSync(join(ctx.dir, step.path), deployConfig(ctx.toml, id));
    say(`wrote ${step.path}`);
    return { databaseId: id };
  }
  say(`$ ${commandLine(step.argv)}`);
  const r = wrangler(ctx.bin, ctx.dir, step.argv, step.secret ? ctx.secrets.get(step.secret.name) : undefined);
  if (!r.ok) throw fail(commandLine(step.argv), r);
  if (!step.secret) say(r.stdout.trimEnd());
  if (step.id === "deploy") return { url: deployedUrl(r.stdout) };
  if (step.id === "d1-create") {
    // `d1 create` has no --json in wrangler 4.86: read the new id back from the list.
    const list = wrangler(ctx.bin, ctx.dir, ["d1", "list", "--json"]);
    if (!list.ok) throw fail("wrangler d1 list --json", list);
    const db = parseD1List(list.stdout).find((d) => d.name === ctx.database);
    if (!db) throw new CliError(`created D1 database ${ctx.database} but d1 list does not show it`, "WRANGLER_FAILED");
    return { databaseId: db.uuid };
  }
  return {};
}
