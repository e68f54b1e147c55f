/** The few HTTP calls the hooks make: no dependencies, so the hook bundle stays small and starts fast. */
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

export async function api<T>(env: HookEnv, method: string, path: string, body?: unknown, timeoutMs = 35_000): Promise<T> {
  const res = await fetch(`${env.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${env.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: { data?: T; error?: { code: string; message: string } } = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new HttpError(res.status, `HTTP ${res.status} (not JSON)`);
  }
  if (!res.ok || !json.data) throw new HttpError(res.status, json.error ? `${json.error.code}: ${json.error.message}` : `HTTP ${res.status}`);
  return json.data;
}

export class HttpError extends Error {
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
