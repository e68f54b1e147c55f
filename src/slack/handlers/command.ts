/**
 * `/bgagent link | unlink | status [task] | pending | submit | help`. Answered in the ack (ephemeral), well
 * within 3 s; `submit` opens its modal in the lazy handler (handlers/submit.ts), so its ack says nothing.
 */

import type { Env } from "../../env";
import { isUlid } from "../../shared/ids";
import { pendingDecidableBy } from "../../store/approvals";
import { createLinkCode, linkedUser, unlinkSlackUser } from "../../store/slackLinks";
import { listTasks } from "../../store/tasks";
import { taskStub } from "../../task/service";
import { approvableSeverities, approvalCard, cardList, requestedOf } from "../blocks/approvalCard";
import { cut } from "../blocks/budget";
import { type Block, context, linkable } from "../blocks/format";
import { newLinkCode } from "../parse";
import { TEXT } from "../texts";

export interface CommandPayload {
  team_id: string;
  user_id: string;
  text?: string;
}

export interface CommandReply {
  response_type: "ephemeral";
  text: string;
  blocks?: Block[];
}

/** Loaded at most; cardList shows the whole cards that fit in one message (50 blocks) and counts the rest. */
const PENDING_SHOWN = 20;

const reply = (text: string, blocks?: Block[]): CommandReply => ({ response_type: "ephemeral", text, blocks });

export async function handleCommand(env: Env, p: CommandPayload): Promise<CommandReply | null> {
  const [sub = "help", arg] = (p.text ?? "").trim().split(/\s+/).filter(Boolean);
  switch (sub.toLowerCase()) {
    case "link": {
      if (await linkedUser(env.DB, p.team_id, p.user_id)) return reply(TEXT.alreadyLinked);
      const code = newLinkCode();
      await createLinkCode(env.DB, code, p.team_id, p.user_id);
      return reply(TEXT.linkCode(code));
    }
    case "unlink":
      return reply((await unlinkSlackUser(env.DB, p.team_id, p.user_id)) ? TEXT.unlinked : TEXT.notLinked);
    case "status": {
      const userId = await linkedUser(env.DB, p.team_id, p.user_id);
      if (!userId) return reply(TEXT.notLinked);
      if (arg) {
        const r = isUlid(arg) ? await taskStub(env, arg).get({ kind: "user", user_id: userId }) : null;
        if (!r?.ok) return reply(`:mag: No task \`${arg}\` of yours.`);
        const t = r.data;
        return reply(
          `*${t.status}* \`${t.repo}\` — ${cut(t.description, 150)}\n_ID:_ \`${t.task_id}\`${t.pr_url && linkable(t.pr_url) ? `\n<${t.pr_url}|Pull request>` : ""}`,
        );
      }
      const tasks = await listTasks(env.DB, { user_id: userId, limit: 5 });
      if (!tasks.length) return reply("You have no tasks yet. Mention me with a repo and what to do.");
      return reply(tasks.map((t) => `• *${t.status}* \`${t.repo}\` — ${cut(t.description, 80)} (\`${t.id}\`)`).join("\n"));
    }
    case "pending": {
      const userId = await linkedUser(env.DB, p.team_id, p.user_id);
      if (!userId) return reply(TEXT.notLinked);
      const pending = await pendingDecidableBy(env.DB, userId, PENDING_SHOWN);
      if (!pending.length) return reply(":white_check_mark: Nothing is waiting for you.");
      // Each card says in which role the person decides it; cardList keeps whole cards within one message.
      const cards = pending.map((a) => {
        const card = approvalCard({ task_id: a.task_id, repo: a.repo }, requestedOf(a), approvableSeverities(env));
        const role = context(a.role === "owner" ? "*owner* — your task" : `*approver* — you approve for \`${a.repo}\``);
        return { ...card, blocks: [role, ...card.blocks] };
      });
      const blocks = cardList(cards, "`bgagent pending` lists them all");
      return reply(`${pending.length} approval(s) waiting for you`, blocks);
    }
    case "submit":
      return (await linkedUser(env.DB, p.team_id, p.user_id)) ? null : reply(TEXT.notLinked);
    default:
      return reply(TEXT.help);
  }
}
