/** Shared by the end-to-end tests and `npm run demo`: a local git "remote", the runner, waiting. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "../http.mjs";

/**
 * The bundled CLI, found upwards from this module: tests load it from cli/dev/support, while the
 * demo's and the bench's bundles map import.meta.url to cli/dev/demo.ts and cli/dist/.
 */
export const BIN = findUp("cli/bin/bgagent.mjs");

function findUp(rel: string): string {
  for (let dir = new URL(".", import.meta.url); dir.pathname !== "/"; dir = new URL("..", dir)) {
    const candidate = new URL(rel, dir);
    if (existsSync(candidate)) return candidate.pathname;
  }
  throw new Error(`${rel} not found above ${import.meta.url}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` until it gives something truthy (errors count as "not yet"). */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve()
      .then(fn)
      .catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** `<dir>/<name>.git`: a bare repository with one commit on main (README.md), for the runner to clone. */
export function bareRepo(dir: string, name = "widgets"): string {
  const seed = join(dir, `${name}-seed`);
  mkdirSync(seed, { recursive: true });
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=bgagent", "-c", "user.email=bgagent@local", ...args], { cwd, stdio: "pipe" });
  git(seed, "init", "--quiet", "-b", "main");
  writeFileSync(join(seed, "README.md"), `# ${name}\n`);
  git(seed, "add", "README.md");
  git(seed, "commit", "--quiet", "-m", "initial");
  const bare = join(dir, `${name}.git`);
  git(dir, "clone", "--quiet", "--bare", seed, bare);
  return bare;
}

export interface RunnerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number>;
}

/**
 * `bgagent runner` for one task, cloning from `<reposDir>/{name}.git`; the demo agent unless
 * `agent` says otherwise, `args` are added to the command line, `env` to its environment.
 */
export function startRunner(opts: {
  url: string;
  token: string;
  workdir: string;
  reposDir: string;
  heartbeatS?: number;
  agent?: string;
  args?: string[];
  env?: Record<string, string>;
}): RunnerProcess {
  const child = spawn(
    "node",
    [
      BIN,
      "runner",
      "--agent",
      opts.agent ?? `node ${JSON.stringify(BIN)} demo-agent`,
      "--max-tasks",
      "1",
      "--workdir",
      opts.workdir,
      "--repo-url-template",
      `file://${opts.reposDir}/{name}.git`,
      "--heartbeat",
      String(opts.heartbeatS ?? 1),
      "--claim-wait",
      "5",
      ...(opts.args ?? []),
    ],
    {
      env: {
        ...process.env,
        BGAGENT_URL: opts.url,
        BGAGENT_TOKEN: opts.token,
        BGAGENT_CONFIG: join(opts.workdir, "none.json"),
        ...opts.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", (c) => (out += c));
  return { child, output: () => out, exited: new Promise((r) => child.on("exit", (code) => r(code ?? -1))) };
}

/** POST a body to bgagent the way Slack does: signed with the app's signing secret (v0 HMAC). */
export async function slackPost(
  baseUrl: string,
  secret: string,
  path: string,
  body: string,
  contentType: string,
): Promise<{ status: number; text: string; ms: number }> {
  const ts = Math.floor(Date.now() / 1000);
  const sig = `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
  const started = performance.now();
  const res = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": contentType, "x-slack-request-timestamp": String(ts), "x-slack-signature": sig },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

/** Link a Slack user to a bgagent user as people do: `/bgagent link` in Slack, then the code with the user's token. */
export async function linkSlackUser(o: {
  baseUrl: string;
  secret: string;
  userToken: string;
  slackUser: string;
  responseUrl: string;
}): Promise<string> {
  const form = new URLSearchParams({
    command: "/bgagent",
    text: "link",
    team_id: "T1",
    user_id: o.slackUser,
    channel_id: "CLINK",
    response_url: o.responseUrl,
  });
  const reply = await slackPost(o.baseUrl, o.secret, "/slack/commands", form.toString(), "application/x-www-form-urlencoded");
  const code = /bgagent slack link ([A-HJKMNP-Z2-9]{10})/.exec(reply.text)?.[1];
  if (!code) throw new Error(`no link code in ${reply.text}`);
  const linked = await request("POST", `${o.baseUrl}/v1/slack/link`, { token: o.userToken, body: { code } });
  if (linked.status !== 200) throw new Error(`slack link: ${linked.status} ${linked.text}`);
  return code;
}
