/**
 * The few HTTP calls the hooks make. node:http(s) rather than fetch: fetch loads undici on first
 * use, which costs ~200 ms per process, and a hook is one process per tool call.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
export interface HookEnv {
  url: string;
  taskId: string;
  token: string;
}

export function hookEnv(): HookEnv | null {
  const url = process.env.BGAGENT_URL;
  const taskId = process.env.BGAGENT_TASK_ID;
  const token = process.env.BGAGENT_TASK_TOKEN;
  return url && taskId && token ? { url: url.replace(/\/+$/, ""), taskId, token } : null;
}

function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  payload: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith("https:") ? httpsRequest : httpRequest)(url, { method, headers, timeout: timeoutMs }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("request timed out"), { code: "ETIMEDOUT" })));
    req.on("error", (err) =>
      reject(Object.assign(new Error(`cannot reach the service (${(err as NodeJS.ErrnoException).code ?? err.message})`), { cause: err })),
    );
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export async function api<T>(env: HookEnv, method: string, path: string, body?: unknown, timeoutMs = 35_000): Promise<T> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { authorization: `Bearer ${env.token}` };
  if (payload !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(payload));
  }
  const res = await send(method, `${env.url}${path}`, headers, payload, timeoutMs);
  let json: { data?: T; error?: { code: string; message: string } } = {};
  try {
    json = res.text ? JSON.parse(res.text) : {};
  } catch {
    throw new HttpError(res.status, `HTTP ${res.status} (not JSON)`);
  }
  if (res.status >= 400 || !json.data)
    throw new HttpError(res.status, json.error ? `${json.error.code}: ${json.error.message}` : `HTTP ${res.status}`);
  return json.data;
}

export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function readStdin(limitBytes = 4 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new Error("hook input too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
