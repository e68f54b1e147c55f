/** What the bot says. One place, so handlers and tests agree. */
export const TEXT = {
  notLinked: ":link: Your Slack account is not linked. Run `/bgagent link` first, then try again.",
  noRepo:
    "Please include a repo — e.g. `@bgagent acme/widgets#42 fix the flaky test`. Or ask an admin to set a default repo for this channel (`bgagent admin set-channel-repo`).",
  noDescription: "Tell me what to do after the repo — e.g. `@bgagent acme/widgets#42 fix the flaky test`.",
  failed: (msg: string) => `:x: Failed to create task: ${msg}`,
  malformed: ":warning: Malformed approval action — please use the CLI.",
  highSeverity: (sev: string, task: string, rid: string) =>
    `:shield: This is a *${sev}*-severity gate — it can only be decided from the CLI: \`bgagent approve ${task} ${rid}\` or \`bgagent deny ${task} ${rid} --reason "..."\``,
  approved: (scope: string) => `:white_check_mark: Approved (${scope}) — the agent continues now.`,
  denied: ":no_entry: Denied — the agent has been told your reason.",
  notFound: ":mag: Approval request not found, or not yours to decide.",
  timedOut: ":hourglass: Too late: this request already timed out and was denied (fail closed).",
  alreadyDecided: (status: string) => `:warning: This request was already decided (${status}).`,
  notAwaiting: ":warning: The task is no longer awaiting this approval.",
  rateLimited: ":hourglass: Rate limit exceeded (30 decisions/minute). Try again shortly.",
  decisionFailed: ":warning: Could not record the decision — please retry or use the CLI.",
  cancelled: ":no_entry_sign: Task cancelled. The agent stops at its next heartbeat.",
  notYourTask: ":no_entry: You can only cancel your own tasks.",
  alreadyEnded: ":warning: Task is already in a terminal state.",
  modalFailed: ":warning: Could not open the submit form (Slack allows 3 seconds) — please try again.",
  linkCode: (code: string) =>
    `Run this command in your terminal:\n\`\`\`bgagent slack link ${code}\`\`\`\n_This code expires in 10 minutes._`,
  alreadyLinked: ":white_check_mark: Your Slack account is already linked.",
  unlinked: ":wave: Your Slack account is no longer linked. Run `/bgagent link` to link it again.",
  help: [
    "*bgagent* — hand coding tasks to agents, with a human in the loop.",
    "• `@bgagent owner/repo#42 fix the flaky test` — submit a task (replies land in the thread)",
    "• `/bgagent submit [owner/repo what to do]` — a form with every option (read-only, approval window, pre-approved scopes)",
    "• *Send to bgagent* (a message's ⋮ menu) — the same form, prefilled with the message",
    "• `/bgagent link` — link your Slack account to your bgagent user",
    "• `/bgagent unlink` — remove that link",
    "• `/bgagent status [task]` — your recent tasks, or one task",
    "• `/bgagent pending` — approvals waiting for you",
    "• `/bgagent help` — this message",
  ].join("\n"),
};
