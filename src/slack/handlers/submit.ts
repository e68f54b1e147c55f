/**
 * Submitting from Slack with the options the API has: `/bgagent submit [owner/repo what to do]` and
 * the "Send to bgagent" message shortcut open the submit modal; its submission is checked like
 * POST /v1/tasks (the same zod schema, then the same repo and scope checks of the task service),
 * answered with per-field errors, and only then creates the task through the same service.
 *
 * slack-edge starts the lazy handler alongside the ack, so the ack answers Slack (errors, or the
 * modal closes) and the lazy handler checks the same submission again and creates the task only
 * when it is valid: the thread message is posted first, since the task's thread is its root.
 */
import { z } from "zod";
import type { Env } from "../../env";
import { AppError } from "../../shared/errors";
import { log } from "../../shared/log";
import { truncate } from "../../shared/redact";
import { CreateTaskBody } from "../../shared/taskInput";
import type { SlackThread } from "../../shared/types";
import { channelRepo } from "../../store/channels";
import { listRepos } from "../../store/repos";
import { linkedUser } from "../../store/slackLinks";
import { checkSubmit, type SubmitInput, submitTask } from "../../task/service";
import { esc } from "../blocks/format";
import { READ_ONLY_VALUE, repoOptions, STATIC_OPTIONS_MAX, SUBMIT_FIELDS, submitModal } from "../blocks/submitModal";
import { decodeSlackText } from "../markup";
import { parseMention } from "../parse";
import { botApi, ephemeral } from "../reply";
import { TEXT } from "../texts";
import { teamOf } from "./approvalActions";

const SLACK_ID = /^[A-Z0-9]{2,30}$/;
const SLACK_TS = /^\d{1,12}\.\d{1,9}$/;

/** Where the task's thread goes: a new message in the command's channel, or the shortcut message's thread. */
const Origin = z.object({ channel: z.string().regex(SLACK_ID), thread_ts: z.string().regex(SLACK_TS).optional() }).strict();
type Origin = z.infer<typeof Origin>;

/** Open the modal; a trigger that expired (3 s) or any Slack error is told to the person, not thrown. */
async function openModal(
  env: Env,
  p: { trigger_id: string; response_url?: string },
  origin: Origin,
  text: string,
  repoHint: string | null,
): Promise<void> {
  const repos = (await listRepos(env.DB)).map((r) => r.repo);
  const initialRepo = repoHint && repos.includes(repoHint) ? repoHint : await channelRepo(env.DB, origin.channel);
  const view = submitModal({ repos, initialRepo, initialText: text, privateMetadata: JSON.stringify(origin) });
  try {
    await botApi(env).call("views.open", { trigger_id: p.trigger_id, view });
  } catch (err) {
    log("slack.submit_modal_failed", { error: String(err) }, "warn");
    await ephemeral(p.response_url, TEXT.modalFailed);
  }
}

export interface SubmitCommand {
  team_id: string;
  user_id: string;
  channel_id: string;
  trigger_id: string;
  text?: string;
  response_url?: string;
}

/** Lazy part of `/bgagent submit …` (the ack answered unlinked people): open the modal, prefilled. */
export async function openSubmitFromCommand(env: Env, p: SubmitCommand): Promise<void> {
  const [sub, ...rest] = (p.text ?? "").trim().split(/\s+/);
  if (sub?.toLowerCase() !== "submit" || !(await linkedUser(env.DB, p.team_id, p.user_id))) return;
  if (!SLACK_ID.test(p.channel_id)) return ephemeral(p.response_url, TEXT.malformed);
  const parsed = parseMention(decodeSlackText(rest.join(" ")));
  await openModal(env, p, { channel: p.channel_id }, parsed.description, parsed.repo);
}

export interface MessageShortcut {
  trigger_id: string;
  response_url?: string;
  user: { id: string; team_id?: string };
  team?: { id: string } | null;
  channel: { id: string };
  message: { ts: string; text?: string; thread_ts?: string };
}

/** "Send to bgagent" on a message: the modal prefilled with its text and a link back to it. */
export async function handleSendToBgagent(env: Env, p: MessageShortcut): Promise<void> {
  if (!(await linkedUser(env.DB, teamOf(p), p.user.id))) return ephemeral(p.response_url, TEXT.notLinked);
  const origin = Origin.safeParse({ channel: p.channel.id, thread_ts: p.message.thread_ts ?? p.message.ts });
  if (!origin.success) return ephemeral(p.response_url, TEXT.malformed);
  // The trigger is valid for 3 s: the permalink is worth a short wait only.
  const link = await botApi(env)
    .call("chat.getPermalink", { channel: p.channel.id, message_ts: p.message.ts })
    .then((r) => (typeof r.permalink === "string" ? r.permalink : null))
    .catch(() => null);
  const text = decodeSlackText(p.message.text ?? "").trim();
  const body = link ? `${text}\n\nFrom Slack: ${link}` : text;
  await openModal(env, p, origin.data, body, parseMention(text).repo);
}

export interface ViewSubmission {
  user: { id: string; team_id?: string };
  team?: { id: string } | null;
  view: {
    private_metadata?: string;
    state?: { values?: Record<string, Record<string, ViewValue | undefined> | undefined> };
  };
}
interface ViewValue {
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: Array<{ value: string }>;
}

/** Block id of the modal field that fills each API field. */
const BLOCK_OF: Record<string, string> = {
  repo: SUBMIT_FIELDS.repo.block,
  description: SUBMIT_FIELDS.text.block,
  read_only: SUBMIT_FIELDS.readOnly.block,
  approval_timeout_s: SUBMIT_FIELDS.window.block,
  initial_approvals: SUBMIT_FIELDS.scopes.block,
};

/** The modal's values as the API's body (unchecked). */
export function submissionBody(values: NonNullable<ViewSubmission["view"]["state"]>["values"] = {}): Record<string, unknown> {
  const get = (f: { block: string; action: string }) => values[f.block]?.[f.action];
  const window = get(SUBMIT_FIELDS.window)?.selected_option?.value;
  return {
    repo: get(SUBMIT_FIELDS.repo)?.selected_option?.value ?? "",
    description: get(SUBMIT_FIELDS.text)?.value ?? "",
    read_only: (get(SUBMIT_FIELDS.readOnly)?.selected_options ?? []).some((o) => o.value === READ_ONLY_VALUE),
    ...(window ? { approval_timeout_s: Number(window) } : {}),
    initial_approvals: (get(SUBMIT_FIELDS.scopes)?.value ?? "")
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean),
  };
}

export type Checked = { ok: true; owner: string; origin: Origin; input: SubmitInput } | { ok: false; errors: Record<string, string> };

/** The submission checked as POST /v1/tasks checks a body: per-block messages, or the task to create. */
export async function checkSubmission(env: Env, p: ViewSubmission): Promise<Checked> {
  const owner = await linkedUser(env.DB, teamOf(p), p.user.id);
  if (!owner) return { ok: false, errors: { [SUBMIT_FIELDS.text.block]: TEXT.notLinked } };
  let origin: Origin | null = null;
  try {
    origin = Origin.parse(JSON.parse(p.view.private_metadata ?? ""));
  } catch {
    return { ok: false, errors: { [SUBMIT_FIELDS.text.block]: "This form is out of date: please open it again." } };
  }
  const body = submissionBody(p.view.state?.values);
  const parsed = CreateTaskBody.safeParse(body);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const block = BLOCK_OF[String(issue.path[0])] ?? SUBMIT_FIELDS.text.block;
      errors[block] ??= issue.path[0] === "repo" && !body.repo ? "Choose a repo." : truncate(issue.message, 150);
    }
    return { ok: false, errors };
  }
  try {
    await checkSubmit(env, parsed.data);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.code === "REPO_NOT_ONBOARDED") return { ok: false, errors: { [SUBMIT_FIELDS.repo.block]: truncate(err.message, 150) } };
    // The service names the entry ("initial_approvals.2: ..."); the person reads lines.
    const message = err.message.replace(/^initial_approvals\.(\d+): /, (_, i) => `Line ${Number(i) + 1}: `);
    return { ok: false, errors: { [SUBMIT_FIELDS.scopes.block]: truncate(message, 150) } };
  }
  return { ok: true, owner, origin, input: parsed.data };
}

/** The ack: errors next to the fields, or nothing (the modal closes). */
export async function submissionAck(env: Env, p: ViewSubmission) {
  const c = await checkSubmission(env, p);
  return c.ok ? undefined : { response_action: "errors" as const, errors: c.errors };
}

/**
 * The thread the task lives in: a new message in the command's channel, or a reply in the
 * shortcut message's thread; where the bot cannot post (not in that channel), the person's DM with
 * the bot. Null when Slack takes nothing: the task is still created (the App Home shows it).
 */
async function openThread(env: Env, origin: Origin, slackUser: string, intro: string): Promise<{ channel: string; ts: string } | null> {
  const api = botApi(env);
  const post = async (channel: string, threadTs?: string) => {
    const r = await api.call("chat.postMessage", { channel, thread_ts: threadTs, text: intro, unfurl_links: false });
    return { channel: String(r.channel ?? channel), ts: threadTs ?? String(r.ts) };
  };
  try {
    return await post(origin.channel, origin.thread_ts);
  } catch (err) {
    log("slack.submit_thread_failed", { channel: origin.channel, error: String(err) }, "warn");
  }
  try {
    return await post(slackUser);
  } catch (err) {
    log("slack.submit_thread_failed", { channel: "dm", error: String(err) }, "warn");
    return null;
  }
}

/** The lazy part of a submission: when it is valid, the thread message, then the task. */
export async function handleSubmission(env: Env, p: ViewSubmission): Promise<void> {
  const c = await checkSubmission(env, p);
  if (!c.ok) return;
  const { input, owner, origin } = c;
  const mode = input.read_only ? " (read-only)" : "";
  const intro = `:inbox_tray: <@${p.user.id}> submitted a task for \`${input.repo}\`${mode}:\n>${esc(truncate(input.description.replace(/\s+/g, " "), 300))}`;
  const thread = await openThread(env, origin, p.user.id, intro);
  const where: Partial<SlackThread> = { slack_team_id: teamOf(p), slack_user_id: p.user.id };
  if (thread) Object.assign(where, { slack_channel_id: thread.channel, slack_thread_ts: thread.ts });
  try {
    const task = await submitTask(env, owner, input, { channel_source: "slack", channel_metadata: where });
    log("slack.task_submitted", { task_id: task.task_id, via: "modal" });
  } catch (err) {
    if (!(err instanceof AppError) || !thread) throw err;
    await botApi(env)
      .call("chat.postMessage", { channel: thread.channel, thread_ts: thread.ts, text: TEXT.failed(err.message) })
      .catch(() => undefined);
  }
}

/** block_suggestion for the repo picker when there are more repos than a static select holds. */
export async function repoSuggestions(env: Env, query: string) {
  const q = query.trim().toLowerCase();
  const repos = (await listRepos(env.DB)).map((r) => r.repo).filter((r) => r.toLowerCase().includes(q));
  return { options: repoOptions(repos).slice(0, STATIC_OPTIONS_MAX) };
}
