/**
 * A repo's blueprint: what an admin configures per repository with PUT /v1/repos/{owner}/{name}.
 * Shape is checked here; the Cedar text inside is checked by the policy loader (loader.ts).
 */
import { z } from "zod";
import { LIMITS } from "./limits";

export const REPO_RE = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/**
 * A rule id (Cedar `@rule_id`): short and plain, so `rule:<id>` scopes, Slack cards (confirm texts
 * hold 300 characters) and log lines always carry it whole.
 */
export const RULE_ID_RE = /^[a-z0-9_]{1,64}$/;

/** Why `id` cannot be a rule id, or null when it can. */
export function ruleIdProblem(id: string): string | null {
  if (RULE_ID_RE.test(id)) return null;
  const shown = JSON.stringify([...id].slice(0, 64).join("") + (id.length > 64 ? "…" : ""));
  return `rule id ${shown} must be 1–64 characters of a-z, 0-9 and _`;
}

/** Widest scope an approval (or a submit-time initial approval) may grant in this repo. */
const SCOPE_LEVELS = ["this_call", "scoped", "all_session"] as const;
export type ScopeLevel = (typeof SCOPE_LEVELS)[number];

export const BlueprintSchema = z
  .object({
    hard_policies: z.string().max(LIMITS.blueprintPolicyBytes).default(""),
    soft_policies: z.string().max(LIMITS.blueprintPolicyBytes).default(""),
    disabled_rules: z
      .array(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be a rule id"))
      .max(100)
      .default([]),
    approval_gate_cap: z.int().min(LIMITS.approvalGateCap.min).max(LIMITS.approvalGateCap.max).default(LIMITS.approvalGateCap.default),
    approval_timeout_s: z.int().min(LIMITS.approvalTimeoutS.min).max(LIMITS.approvalTimeoutS.max).default(LIMITS.approvalTimeoutS.default),
    max_pre_approval_scope: z.enum(SCOPE_LEVELS).default("scoped"),
    /** Longest max_lifetime_s a task of this repo may ask for; tasks that ask for none get min(8 h, this). */
    max_task_lifetime_s: z.int().min(LIMITS.taskLifetimeS.min).max(LIMITS.taskLifetimeS.max).default(LIMITS.taskLifetimeS.default),
    /** Tools without a gate model (MCP tools) allowed by name; `*` and `?` match, e.g. "mcp__github__get_*". */
    allowed_tools: z
      .array(z.string().regex(/^[A-Za-z0-9_.*?-]{1,200}$/, "must be a tool name or pattern"))
      .max(100)
      .default([]),
    /** When set, WebFetch to other domains asks a human. "*.example.com" matches subdomains and the domain. */
    allowed_domains: z
      .array(z.string().regex(/^[A-Za-z0-9.*-]{1,253}$/, "must be a domain or *.domain"))
      .max(100)
      .default([]),
    /** Platform user ids (besides the task owner) who may decide this repo's approvals. */
    approvers: z.array(z.string().min(1).max(64)).max(50).default([]),
    /**
     * A Slack channel id (C…, invite the bot) where this repo's approval cards are also posted, for
     * its approvers to decide; the cards show the calls' inputs to everyone in it.
     */
    approval_channel: z
      .string()
      .regex(/^[CG][A-Z0-9]{1,30}$/, "must be a Slack channel id (C…)")
      .optional(),
  })
  .strict()
  .refine((b) => new TextEncoder().encode(b.hard_policies + b.soft_policies).byteLength <= LIMITS.blueprintPolicyBytes, {
    message: `cedar policies exceed the ${LIMITS.blueprintPolicyBytes / 1024} KB cap`,
  });

export type Blueprint = z.infer<typeof BlueprintSchema>;
