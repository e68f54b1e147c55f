/**
 * Claude Code Stop hook: if a human denied something since the last turn, block the stop and hand
 * the agent the <user_denial> blocks, once. Sources: the file the runner fills from its heartbeats,
 * and the service itself (a heartbeat drains what is queued). Nothing to say: print nothing.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { api, hookEnv, readStdin } from "./gateClient";

export async function stopHook(): Promise<void> {
  try {
    await readStdin();
  } catch {
    // the input is not needed
  }
  const denials: string[] = [];
  const file = process.env.BGAGENT_DENIALS_FILE;
  if (file && existsSync(file)) {
    const text = readFileSync(file, "utf8");
    writeFileSync(file, "");
    denials.push(...text.split("\n\u0000\n").filter((d) => d.trim()));
  }
  const env = hookEnv();
  if (env) {
    try {
      const hb = await api<{ denials: string[] }>(env, "POST", `/v1/tasks/${env.taskId}/heartbeat`, undefined, 5000);
      denials.push(...hb.denials);
    } catch {
      // The runner's heartbeat will pick them up and the file brings them next time.
    }
  }
  if (denials.length) process.stdout.write(`${JSON.stringify({ decision: "block", reason: denials.join("\n") })}\n`);
}
