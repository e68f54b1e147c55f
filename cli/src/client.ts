/** A thin client for the bgagent REST API: returns `data`, throws CliError with the server's code and message. */
import type { Config } from "./config";

export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly code = "ERROR",
    readonly status = 0,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  timeoutMs?: number;
  token?: string;
  headers?: Record<string, string>;
}

export class Client {
  constructor(readonly cfg: Config) {}

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<{ status: number; data: T | null }> {
    const url = new URL(path.replace(/^\//, ""), this.cfg.url.endsWith("/") ? this.cfg.url : `${this.cfg.url}/`);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...opts.headers, authorization: `Bearer ${opts.token ?? this.cfg.token}` };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new CliError(`cannot reach ${this.cfg.url} (${cause})`, "UNREACHABLE");
    }
    if (res.status === 204) return { status: 204, data: null };
    const text = await res.text();
    let json: { data?: T; error?: { code: string; message: string } } = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new CliError(`unexpected ${res.status} response from ${url.pathname}`, "BAD_RESPONSE", res.status);
    }
    if (!res.ok || json.error) {
      throw new CliError(json.error?.message ?? `HTTP ${res.status}`, json.error?.code ?? "HTTP_ERROR", res.status);
    }
    return { status: res.status, data: json.data as T };
  }

  async get<T>(path: string, opts?: RequestOptions): Promise<T> {
    return (await this.request<T>("GET", path, opts)).data as T;
  }

  async post<T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T> {
    return (await this.request<T>("POST", path, { ...opts, body: body ?? {} })).data as T;
  }
}
