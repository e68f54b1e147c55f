import type { Actor, DispatchMessage } from "./shared/types";
import type { TaskDO } from "./task/TaskDO";

/** The Hono app's environment: bindings plus what middleware sets per request. */
export type AppEnv = { Bindings: Env; Variables: { requestId: string; actor: Actor; logged?: boolean } };

/** Bindings and configuration (wrangler.toml [vars] plus secrets). */
export interface Env {
  DB: D1Database;
  TASKS: DurableObjectNamespace<TaskDO>;
  DISPATCH: Queue<DispatchMessage>;
  /** Bootstrap admin bearer token (secret). Without it no admin route can be used. */
  ADMIN_TOKEN?: string;
  SLACK_SIGNING_SECRET?: string;
  SLACK_BOT_TOKEN?: string;
  GITHUB_TOKEN?: string;
  /** GitHub App authentication (used instead of GITHUB_TOKEN when set): the App's id and private key (PEM, PKCS#8 or PKCS#1). */
  GITHUB_APP_ID?: string;
  GITHUB_APP_PRIVATE_KEY?: string;
  /** Days a task's history (events, approvals, deliveries, dead letters) is kept after it ended (default 30). */
  RETENTION_DAYS?: string;
  SLACK_API_BASE_URL: string;
  GITHUB_API_BASE_URL: string;
  /** Where the repos' web pages live: a task's pr_url must be under <this>/<owner>/<repo>/. */
  GITHUB_WEB_BASE_URL: string;
  SLACK_APPROVABLE_SEVERITIES: string;
  STRANDED_TIMEOUT_S: string;
  HEARTBEAT_TIMEOUT_S: string;
  /** debug | info | warn | error (default info; allowed gate calls are logged at debug). */
  LOG_LEVEL?: string;
  /** Optional Workers Analytics Engine dataset: one data point per gate decision when bound. */
  GATE_ANALYTICS?: AnalyticsEngineDataset;
}
