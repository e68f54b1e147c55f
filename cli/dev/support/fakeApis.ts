/**
 * Fake Slack Web API and GitHub REST API: the real request/response shapes, every call recorded,
 * failures on demand (ratelimited + Retry-After, HTTP 5xx, Slack error codes, timeouts, network).
 * A plain (Request) => Response handler, installed as a fetch interceptor in workerd tests.
 */
export const SLACK_HOST = "fake-slack.test";
export const GITHUB_HOST = "fake-github.test";

export interface Call {
  service: "slack" | "github" | "other";
  method: string; // Slack method name, or "POST /repos/..." for GitHub
  body: any;
  at: number;
  /** The fake answered with an injected failure. */
  failed?: boolean;
  /** What the fake answered (Slack: the JSON body), so tests can follow ids such as a posted message's ts. */
  response?: any;
}

export type Failure =
  | { kind: "ratelimited"; retryAfter: number }
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: "slack_error"; error: string }
  | { kind: "timeout" }
  | { kind: "network" };

interface Rule {
  service: "slack" | "github";
  method?: string;
  failure: Failure;
  times: number;
}

export class FakeApis {
  calls: Call[] = [];
  private rules: Rule[] = [];
  private ts = 1_700_000_000_000_100;
  private nextCommentId = 1000;
  comments = new Map<string, { issue: string; body: string }>();
  /** Set by actAsApp: GitHub App endpoints, and comment calls need an installation token it minted. */
  private app: { id: string; publicKey: CryptoKey; installations: Record<string, number>; tokenTtlS: number } | null = null;
  /** Installation tokens minted, by token. */
  appTokens = new Map<string, { owner: string; expiresAt: number }>();
  /** The claims of every App JWT that verified. */
  appJwts: Array<{ iat: number; exp: number; iss: string }> = [];

  /**
   * Behave as GitHub does for a GitHub App: JWT-authenticated installation lookup and token minting
   * (the JWT's RS256 signature is checked with `publicKey`, and its iat/exp/iss as GitHub does), and
   * comment calls that need a live installation token of the repo's owner (401 otherwise).
   */
  actAsApp(id: string, publicKey: CryptoKey, installations: Record<string, number>, tokenTtlS = 3600): void {
    this.app = { id, publicKey, installations, tokenTtlS };
  }

  /** Every installation token stops working (as if revoked or expired early). */
  revokeAppTokens(): void {
    this.appTokens.clear();
  }

  /** Fail the next `times` matching calls (Infinity: until cleared). */
  fail(service: Rule["service"], failure: Failure, times = 1, method?: string): void {
    this.rules.push({ service, method, failure, times });
  }

  clearFailures(): void {
    this.rules = [];
  }

  slackCalls(method?: string): Call[] {
    return this.calls.filter((c) => c.service === "slack" && (!method || c.method === method));
  }

  /**
   * Slack calls about one message or thread (`thread_ts`, `timestamp` or `ts` equal to `ts`): what a
   * test caused, not what a dispatch message of an earlier test delivered meanwhile.
   */
  slackCallsAbout(method: string, ts: string): Call[] {
    return this.slackCalls(method).filter((c) => c.body.thread_ts === ts || c.body.timestamp === ts || c.body.ts === ts);
  }

  /** Calls the fake answered successfully. */
  succeeded(service: Call["service"], method: string): Call[] {
    return this.calls.filter((c) => c.service === service && c.method.startsWith(method) && !c.failed);
  }

  githubCalls(prefix?: string): Call[] {
    return this.calls.filter((c) => c.service === "github" && (!prefix || c.method.startsWith(prefix)));
  }

  private takeFailure(service: Rule["service"], method: string): Failure | null {
    const r = this.rules.find((x) => x.service === service && (!x.method || method.includes(x.method)) && x.times > 0);
    if (!r) return null;
    r.times--;
    return r.failure;
  }

  async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const text = req.method === "GET" ? "" : await req.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = Object.fromEntries(new URLSearchParams(text));
    }
    if (url.hostname === SLACK_HOST) return this.slack(url, body);
    if (url.hostname === GITHUB_HOST) return this.github(req.method, url, body, req.headers.get("authorization") ?? "");
    this.calls.push({ service: "other", method: `${req.method} ${url.href}`, body, at: Date.now() });
    return new Response("ok");
  }

  private failureResponse(f: Failure): Response {
    this.calls[this.calls.length - 1].failed = true;
    switch (f.kind) {
      case "ratelimited":
        return Response.json({ ok: false, error: "ratelimited" }, { status: 429, headers: { "retry-after": String(f.retryAfter) } });
      case "status":
        return f.body === undefined
          ? new Response("upstream failure", { status: f.status, headers: f.headers })
          : Response.json(f.body, { status: f.status, headers: f.headers });
      case "slack_error":
        return Response.json({ ok: false, error: f.error });
      case "timeout":
        throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
      case "network":
        throw new TypeError("fetch failed");
    }
  }

  private slack(url: URL, body: any): Response {
    const method = url.pathname.replace(/^\/api\//, "");
    this.calls.push({ service: "slack", method, body, at: Date.now() });
    const f = this.takeFailure("slack", method);
    if (f) return this.failureResponse(f);
    switch (method) {
      case "chat.postMessage": {
        const answer = { ok: true, channel: body.channel, ts: this.nextTs(), message: { text: body.text } };
        this.calls[this.calls.length - 1].response = answer;
        return Response.json(answer);
      }
      case "chat.update":
        return Response.json({ ok: true, channel: body.channel, ts: body.ts });
      case "auth.test":
        return Response.json({ ok: true, team_id: "T1", user_id: "UBOT", bot_id: "B1" });
      default:
        return Response.json({ ok: true });
    }
  }

  /** An App JWT as GitHub checks it: RS256 by the App's key, iss = App id, iat not in the future, exp ahead and at most 10 min after iat. */
  private async appJwtValid(authorization: string): Promise<boolean> {
    const [head, claims, sig] = authorization.replace(/^Bearer /, "").split(".");
    if (!this.app || !head || !claims || !sig) return false;
    const bytes = (s: string) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    try {
      if (JSON.parse(new TextDecoder().decode(bytes(head))).alg !== "RS256") return false;
      const ok = await crypto.subtle.verify(
        "RSASSA-PKCS1-v1_5",
        this.app.publicKey,
        bytes(sig),
        new TextEncoder().encode(`${head}.${claims}`),
      );
      const c = JSON.parse(new TextDecoder().decode(bytes(claims)));
      const now = Math.floor(Date.now() / 1000);
      if (!ok || c.iss !== this.app.id || c.iat > now + 60 || c.exp <= now || c.exp - c.iat > 660 || c.exp > now + 600) return false;
      this.appJwts.push(c);
      return true;
    } catch {
      return false;
    }
  }

  private nextTs(): string {
    this.ts += 100;
    const s = String(this.ts);
    return `${s.slice(0, 10)}.${s.slice(10)}`;
  }

  private async github(httpMethod: string, url: URL, body: any, authorization: string): Promise<Response> {
    const method = `${httpMethod} ${url.pathname}`;
    this.calls.push({ service: "github", method, body, at: Date.now() });
    const f = this.takeFailure("github", method);
    if (f) return this.failureResponse(f);
    const badCredentials = () => Response.json({ message: "Bad credentials" }, { status: 401 });
    if (this.app) {
      const installation = /^\/repos\/([^/]+)\/[^/]+\/installation$/.exec(url.pathname);
      const minting = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
      if (installation || minting) {
        if (!(await this.appJwtValid(authorization))) return badCredentials();
        if (installation && httpMethod === "GET") {
          const id = this.app.installations[installation[1]];
          return id ? Response.json({ id, account: { login: installation[1] } }) : Response.json({ message: "Not Found" }, { status: 404 });
        }
        const owner = Object.entries(this.app.installations).find(([, id]) => String(id) === minting?.[1])?.[0];
        if (!owner || httpMethod !== "POST") return Response.json({ message: "Not Found" }, { status: 404 });
        const token = `ghs_fakeinstall${this.appTokens.size}${Date.now()}`;
        const expiresAt = Date.now() + this.app.tokenTtlS * 1000;
        this.appTokens.set(token, { owner, expiresAt });
        return Response.json({ token, expires_at: new Date(expiresAt).toISOString() }, { status: 201 });
      }
      const repoOwner = /^\/repos\/([^/]+)\//.exec(url.pathname)?.[1];
      const held = this.appTokens.get(authorization.replace(/^Bearer /, ""));
      if (!held || held.owner !== repoOwner || held.expiresAt <= Date.now()) return badCredentials();
    }
    let m = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    if (m && httpMethod === "POST") {
      const id = String(this.nextCommentId++);
      this.comments.set(id, { issue: `${m[1]}#${m[2]}`, body: body.body });
      return Response.json({ id: Number(id), body: body.body }, { status: 201 });
    }
    m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (m && httpMethod === "PATCH") {
      const c = this.comments.get(m[1]);
      if (!c) return Response.json({ message: "Not Found" }, { status: 404 });
      c.body = body.body;
      return Response.json({ id: Number(m[1]), body: body.body });
    }
    return Response.json({ message: "Not Found" }, { status: 404 });
  }
}
