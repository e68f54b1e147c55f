/** Shared by the end-to-end tests and `npm run demo`: a local git "remote", the runner, waiting. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// Relative to import.meta.url, which the demo's bundle maps to cli/dev/demo.ts: also two levels down.
export const BIN = new URL("../../cli/bin/bgagent.mjs", import.meta.url).pathname;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` until it gives something truthy (errors count as "not yet"). */
export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000, everyMs = 200): Promise<T> {
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
  const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=bgagent", "-c", "user.email=bgagent@local", ...args], { cwd, stdio: "pipe" });
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

/** `bgagent runner` with the demo agent for one task, cloning from `<reposDir>/{name}.git`. */
export function startRunner(opts: { url: string; token: string; workdir: string; reposDir: string; heartbeatS?: number }): RunnerProcess {
  const child = spawn(
    "node",
    [BIN, "runner", "--agent", `node ${JSON.stringify(BIN)} demo-agent`, "--max-tasks", "1", "--workdir", opts.workdir, "--repo-url-template", `file://${opts.reposDir}/{name}.git`, "--heartbeat", String(opts.heartbeatS ?? 1), "--claim-wait", "5"],
    { env: { ...process.env, BGAGENT_URL: opts.url, BGAGENT_TOKEN: opts.token, BGAGENT_CONFIG: join(opts.workdir, "none.json") }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", (c) => (out += c));
  return { child, output: () => out, exited: new Promise((r) => child.on("exit", (code) => r(code ?? -1))) };
}
