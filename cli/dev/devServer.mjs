// Starts the real `wrangler dev` on 127.0.0.1 with its own state directory (migrations applied),
// for end-to-end tests and benchmarks. Returns { url, adminToken, stop() }.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const baseEnv = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** vars: extra worker vars (e.g. SLACK_API_BASE_URL pointing at a fake). */
export async function startDevServer({ vars = {}, timeoutMs = 60_000, log = false } = {}) {
  const state = mkdtempSync(join(tmpdir(), "bgagent-dev-"));
  const adminToken = `bga_${randomBytes(24).toString("base64url")}`;
  const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
    cwd: root,
    env: baseEnv,
    encoding: "utf8",
    input: "y\n",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr || migrate.stdout}`);
  const port = await freePort();
  const inspector = await freePort();
  const allVars = { ADMIN_TOKEN: adminToken, SLACK_SIGNING_SECRET: "e2e-signing-secret", ...vars };
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
  ];
  for (const [k, v] of Object.entries(allVars)) args.push("--var", `${k}:${v}`);
  const url = `http://127.0.0.1:${port}`;
  let child;
  let output = "";
  const launch = async () => {
    child = spawn(wrangler, args, { cwd: root, env: baseEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const seen = output.length;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler dev did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const onData = (chunk) => {
        output += chunk;
        if (log) process.stderr.write(chunk);
        if (/Ready on/.test(output.slice(seen))) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`wrangler dev exited (${code}):\n${output}`));
      });
    });
    // "Ready" is printed before the first request is served; wait for a real answer.
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(url)).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const kill = async () => {
    child.removeAllListeners("exit");
    const gone = new Promise((r) => child.once("exit", r));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  };
  await launch();
  return {
    url,
    adminToken,
    output: () => output,
    /** Stop and start again on the same port with the same state (a deploy or crash). */
    async restart(downMs = 0) {
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    async stop() {
      await kill();
      rmSync(state, { recursive: true, force: true });
    },
  };
}
