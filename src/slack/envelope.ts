/**
 * What we log about a Slack request: the envelope type and the ids that say where it came from and
 * what it asked for. Never text, values, views or anything else a person typed. Pure.
 */

export interface SlackEnvelope {
  /** event_callback, block_actions, view_submission, command, url_verification, ... */
  envelope: string;
  team?: string;
  channel?: string;
  user?: string;
  event_id?: string;
  event_type?: string;
  subtype?: string;
  action_id?: string;
  callback_id?: string;
  command?: string;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined);
/** Ids only: a string of id characters, cut short. Anything else (text smuggled into an id field) is dropped. */
const id = (v: unknown): string | undefined =>
  typeof v === "string" && /^[A-Za-z0-9_:./#-]{1,300}$/.test(v) ? v.slice(0, 120) : undefined;

export function envelopeOf(body: unknown): SlackEnvelope {
  const b = obj(body) ?? {};
  const ev = obj(b.event);
  const view = obj(b.view);
  const action = Array.isArray(b.actions) ? obj(b.actions[0]) : undefined;
  const envelope = id(b.type) ?? (typeof b.command === "string" ? "command" : "unknown");
  const fields: SlackEnvelope = {
    envelope,
    team: id(b.team_id) ?? id(obj(b.team)?.id) ?? id(obj(b.user)?.team_id),
    channel: id(ev?.channel) ?? id(b.channel_id) ?? id(obj(b.channel)?.id) ?? id(obj(b.container)?.channel_id),
    user: id(ev?.user) ?? id(b.user_id) ?? id(obj(b.user)?.id),
    event_id: id(b.event_id),
    event_type: id(ev?.type),
    subtype: id(ev?.subtype),
    action_id: id(action?.action_id) ?? id(b.action_id),
    callback_id: id(view?.callback_id) ?? id(b.callback_id),
    command: id(b.command),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as unknown as SlackEnvelope;
}
