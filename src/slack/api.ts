/**
 * Minimal Slack Web API client with a configurable base URL (slack-edge's own clients always
 * call slack.com). Classifies failures for the dispatcher: Slack's permanent error codes are
 * PermanentError, everything else (ratelimited + Retry-After, 5xx, network, timeouts) RetryableError.
 */
import { PermanentError, RetryableError, retryAfterSeconds } from "../shared/channelErrors";

/** Codes that will not get better by retrying (AWS twin's list, reference §9.3). */
const PERMANENT_SLACK_ERRORS = new Set([
  "channel_not_found",
  "not_in_channel",
  "is_archived",
  "message_not_found",
  "not_authed",
  "invalid_auth",
  "token_revoked",
  "token_expired",
  "account_inactive",
  "no_permission",
  "missing_scope",
  "restricted_action",
  "ekm_access_denied",
  "team_access_not_granted",
  "posting_to_general_channel_denied",
  "as_user_not_supported",
  "invalid_blocks",
  "invalid_blocks_format",
  "invalid_arguments",
  "msg_too_long",
  "too_many_attachments",
  "cant_update_message",
  "cant_delete_message",
  "edit_window_closed",
]);

/** Reaction calls that only say "already so". */
const BENIGN = new Set(["already_reacted", "no_reaction"]);

export interface SlackResponse {
  ok: boolean;
  error?: string;
  ts?: string;
  channel?: string;
  [key: string]: unknown;
}

export class SlackApi {
  constructor(
    private readonly token: string,
    private readonly baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  async call(method: string, body: Record<string, unknown>): Promise<SlackResponse> {
    let res: Response;
    try {
      res = await fetch(new URL(method, this.baseUrl.endsWith("/") ? this.baseUrl : `${this.baseUrl}/`), {
        method: "POST",
        headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new RetryableError(`slack ${method}: ${err instanceof Error ? err.name : "network error"}`);
    }
    if (res.status === 429)
      throw new RetryableError(`slack ${method}: ratelimited`, retryAfterSeconds(res.headers.get("retry-after")) ?? 30);
    if (res.status >= 500)
      throw new RetryableError(`slack ${method}: HTTP ${res.status}`, retryAfterSeconds(res.headers.get("retry-after")));
    let json: SlackResponse;
    try {
      json = (await res.json()) as SlackResponse;
    } catch {
      throw new RetryableError(`slack ${method}: HTTP ${res.status} without JSON`);
    }
    if (json.ok || (json.error && BENIGN.has(json.error))) return json;
    const code = json.error ?? `http_${res.status}`;
    if (code === "ratelimited")
      throw new RetryableError(`slack ${method}: ratelimited`, retryAfterSeconds(res.headers.get("retry-after")) ?? 30);
    if (PERMANENT_SLACK_ERRORS.has(code)) throw new PermanentError(`slack ${method}: ${code}`);
    throw new RetryableError(`slack ${method}: ${code}`);
  }
}
