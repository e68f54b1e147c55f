/** Limits shared by the API, the TaskDO and the CLI. Figures follow the AWS twin where it is sound. */
export const LIMITS = {
  bodyBytes: 256 * 1024,
  toolInputBytes: 64 * 1024,
  descriptionChars: 8000,
  nameChars: 100,
  denyReasonChars: 2000,
  agentReasonChars: 500,
  inputPreviewChars: 256,
  /** The gate's effect phrases kept with an approval: at most this many, each at most effectChars. */
  effectsMax: 20,
  effectChars: 120,
  scopeChars: 128,
  initialApprovalsMax: 20,
  approvalTimeoutS: { min: 30, max: 3600, default: 300 },
  approvalGateCap: { min: 1, max: 500, default: 50 },
  /** A task's whole life, submit to end (max_lifetime_s; a repo's max_task_lifetime_s caps it). Past it: TIMED_OUT. */
  taskLifetimeS: { min: 10, max: 7 * 24 * 3600, default: 8 * 3600 },
  /** An approval window ends at least this long before its task's lifetime does. */
  approvalLifetimeMarginS: 120,
  blueprintPolicyBytes: 64 * 1024,
  listLimit: { default: 50, max: 200 },
  eventMetadataBytes: 16 * 1024,
  claimWaitS: 25,
  approvalWaitS: 25,
} as const;

/** Watchdog defaults (wrangler.toml vars STRANDED_TIMEOUT_S, HEARTBEAT_TIMEOUT_S override them). */
export const WATCHDOG = { strandedS: 1200, heartbeatS: 300 } as const;

/** A var holding seconds, in ms; the fallback when it is unset or not a positive number. */
export const varSecondsMs = (v: string | undefined, fallbackS: number): number => (Number(v) > 0 ? Number(v) : fallbackS) * 1000;
