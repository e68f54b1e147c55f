/** Channel dispatchers. Each turns one event into side effects on one channel and says how it went. */
import type { Env } from "../env";
import type { DispatchChannel, DispatchMessage } from "../shared/types";

export type Outcome =
  | { result: "sent"; detail?: string; slack_channel?: string; slack_ts?: string; github_comment_id?: string }
  | { result: "dropped"; detail: string }
  | { result: "skipped"; detail: string }
  | { result: "retry"; detail: string; retryAfterS?: number };

export type Dispatcher = (msg: DispatchMessage, env: Env) => Promise<Outcome>;

export const dispatchers: Partial<Record<DispatchChannel, Dispatcher>> = {};
