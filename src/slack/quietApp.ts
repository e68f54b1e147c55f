/**
 * slack-edge with a quiet catch-all. Left alone, slack-edge answers 404 "No listener found" to a
 * verified request nothing is registered for, and console.logs the whole payload first (DM text
 * included). Slack sends many of those to every app: message_changed / message_deleted caused by our
 * own card edits and deletes, link-button clicks (View PR), app_uninstalled, tokens_revoked,
 * app_home_opened. It retries a 404 and shows the user a warning. Here every verified request that no
 * handler takes is acknowledged with an empty 200 and nothing else happens.
 *
 * A handler registered on the app, before or after this is built, always wins over the catch-all:
 * - events: slack-edge runs every matching event handler, so the catch-all is a middleware that
 *   steps in only when no registered event/message handler would match (registrations are tracked by
 *   the overrides below; assistant* listeners are not, we use none);
 * - everything else is first-match: catch-all listeners are added at the end, on the first run(),
 *   after every real one, and a middleware (also last) acknowledges the envelopes slack-edge has no
 *   listener kind for, or that are too malformed to reach one.
 *
 * `seen(request)` tells the route what came in (ids only, src/slack/envelope.ts) and whether the
 * catch-all answered it, for the one log line per request.
 */
import {
  type EventLazyHandler,
  isPostedMessageEvent,
  type MessageEventLazyHandler,
  type MessageEventPattern,
  type Middleware,
  type PreAuthorizeMiddleware,
  SlackApp,
  type SlackEdgeAppEnv,
  type SupportedEventType,
} from "slack-edge";
import { envelopeOf, type SlackEnvelope } from "./envelope";

type Body = Record<string, unknown>;
const str = (v: unknown): v is string => typeof v === "string";
const nonEmpty = (v: unknown): boolean => str(v) && v !== "";
const field = (v: unknown, k: string): unknown => (v && typeof v === "object" ? (v as Body)[k] : undefined);
const ANY = /(?:)/;
const QUIET = { status: 200, body: "" };

export interface SeenRequest extends SlackEnvelope {
  outcome: "handled" | "ignored";
}

export class QuietSlackApp<E extends SlackEdgeAppEnv> extends SlackApp<E> {
  readonly #eventTypes = new Set<string>();
  readonly #messagePatterns: MessageEventPattern[] = [];
  #rateLimitHandler = false;
  #catchAllAdded = false;
  /** Per request (keyed by its Headers, the one object slack-edge passes to every listener). */
  readonly #seen = new WeakMap<Headers, SeenRequest>();

  constructor(...args: ConstructorParameters<typeof SlackApp<E>>) {
    super(...args);
    // First of all, before url_verification answers: record what came in (it passed the signature check).
    const record: PreAuthorizeMiddleware<E> = async (req) => {
      this.#seen.set(req.headers, { ...envelopeOf(req.body), outcome: "handled" });
    };
    this.preAuthorizeMiddleware.unshift(record);
  }

  override event<Type extends SupportedEventType>(event: Type, lazy: EventLazyHandler<Type, E>): SlackApp<E> {
    this.#eventTypes.add(event);
    return super.event(event, lazy);
  }

  override message(pattern: MessageEventPattern, lazy: MessageEventLazyHandler<E>): SlackApp<E> {
    this.#messagePatterns.push(pattern);
    return super.message(pattern, lazy);
  }

  override appRateLimited(lazy: Parameters<SlackApp<E>["appRateLimited"]>[0]): SlackApp<E> {
    this.#rateLimitHandler = true;
    return super.appRateLimited(lazy);
  }

  override async run(request: Request, ctx?: Parameters<SlackApp<E>["run"]>[1]): Promise<Response> {
    this.#addCatchAll();
    return super.run(request, ctx);
  }

  /** What this request was (ids only) and who answered it; undefined when it never passed verification. */
  seen(request: Request): SeenRequest | undefined {
    return this.#seen.get(request.headers);
  }

  #ignore(headers: Headers): void {
    const s = this.#seen.get(headers);
    if (s) s.outcome = "ignored";
  }

  #addCatchAll(): void {
    if (this.#catchAllAdded) return;
    this.#catchAllAdded = true;
    const quiet = async (req: { headers: Headers }): Promise<void> => {
      this.#ignore(req.headers);
    };
    this.action(ANY, quiet);
    this.command(ANY, quiet);
    this.viewSubmission(ANY, quiet);
    this.viewClosed(ANY, quiet);
    this.globalShortcut(ANY, quiet);
    this.messageShortcut(ANY, quiet);
    this.options(ANY, async (req) => {
      this.#ignore(req.headers);
      return { options: [] };
    });
    const unclaimed: Middleware<E> = async (req) => {
      if (this.#reachesListener(req.body)) return;
      this.#ignore(req.headers);
      return QUIET;
    };
    this.postAuthorizeMiddleware.push(unclaimed);
  }

  /** Whether slack-edge would hand this body to a registered listener (or to one of the catch-alls above). */
  #reachesListener(body: Body): boolean {
    // slack-edge skips an empty command, callback id or type like a missing one.
    if (!body.type) return nonEmpty(body.command);
    switch (body.type) {
      case "event_callback": {
        const ev = body.event as Body | undefined;
        if (!ev || !str(ev.type)) return false;
        if (this.#eventTypes.has(ev.type)) return true;
        if (ev.type !== "message" || !isPostedMessageEvent(ev as Parameters<typeof isPostedMessageEvent>[0])) return false;
        return this.#messagePatterns.some(
          (p) => p === undefined || (str(ev.text) && (typeof p === "string" ? ev.text.includes(p) : ev.text.match(p) !== null)),
        );
      }
      case "block_actions":
        return Array.isArray(body.actions) && str(field(body.actions[0], "action_id"));
      case "block_suggestion":
        return str(body.action_id);
      case "view_submission":
      case "view_closed":
        return str(field(body.view, "callback_id"));
      case "shortcut":
      case "message_action":
        return nonEmpty(body.callback_id);
      case "app_rate_limited":
        return this.#rateLimitHandler;
      default:
        return false;
    }
  }
}
