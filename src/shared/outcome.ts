/** What a dispatcher reports for one message. */
export type Outcome =
  | { result: "sent"; detail?: string; slack_channel?: string; slack_ts?: string; github_comment_id?: string }
  | { result: "dropped"; detail: string }
  | { result: "skipped"; detail: string }
  | { result: "retry"; detail: string; retryAfterS?: number };

export const skipped = (detail: string): Outcome => ({ result: "skipped", detail });
