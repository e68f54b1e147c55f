/**
 * Queue consumers. DISPATCH: one message = one event for one channel, handled on its own:
 * ack on success or permanent failure, retry with backoff (honouring Retry-After) otherwise;
 * after max_retries the runtime moves it to the dead-letter queue, whose consumer records it. A
 * failure only an operator can fix (UndeliverableError) is recorded as a dead letter at once.
 * Messages of one task are handled in order within a batch; tasks run in parallel.
 */
import type { Env } from "../env";
import { PermanentError, RetryableError, UndeliverableError } from "../shared/channelErrors";
import { log } from "../shared/log";
import type { Outcome } from "../shared/outcome";
import type { DispatchMessage } from "../shared/types";
import { recordDeadLetter } from "../store/deadLetters";
import { deliveryDone, recordDelivery } from "../store/deliveries";
import { dispatchers } from "./dispatchers";
import { slackRef } from "./slack";

export const DLQ = "bgagent-dispatch-dlq";

/**
 * Exponential backoff from 2 s, capped at 5 minutes; a server's hint wins when longer, up to an hour
 * (GitHub's primary rate limit resets within the hour: retrying before it only spends attempts).
 */
const retryDelayS = (attempts: number, hinted?: number): number =>
  Math.max(Math.min(hinted ?? 0, 3600), Math.min(300, 2 ** Math.min(Math.max(attempts, 1), 8)));

export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue.startsWith(DLQ)) {
    // A dead letter is acked only once it is stored; while D1 fails it is retried (max_retries in
    // wrangler.toml keeps it for hours), never dropped.
    for (const msg of batch.messages) {
      try {
        await recordDeadLetter(env.DB, batch.queue, msg.id, msg.body, msg.attempts);
      } catch (err) {
        const delay = retryDelayS(msg.attempts);
        log("dispatch.dead_letter_unstored", { message_id: msg.id, attempts: msg.attempts, delay_s: delay, error: String(err) }, "error");
        msg.retry({ delaySeconds: delay });
        continue;
      }
      log("dispatch.dead_lettered", { message_id: msg.id, attempts: msg.attempts }, "warn");
      msg.ack();
    }
    return;
  }
  const byTask = new Map<string, Message<DispatchMessage>[]>();
  for (const m of batch.messages as readonly Message<DispatchMessage>[]) {
    const key = m.body?.event?.task_id ?? m.id;
    byTask.set(key, [...(byTask.get(key) ?? []), m]);
  }
  await Promise.all(
    [...byTask.values()].map(async (msgs) => {
      for (const m of msgs) await handleOne(m, env);
    }),
  );
}

/** An outcome, or a permanent failure an operator can fix: dead-lettered at once with its reason. */
type Handled = Outcome | { result: "dead_letter"; detail: string };

async function dispatch(msg: DispatchMessage, env: Env): Promise<Handled> {
  try {
    return await dispatchers[msg.channel](msg, env);
  } catch (err) {
    if (err instanceof UndeliverableError) return { result: "dead_letter", detail: err.message };
    if (err instanceof PermanentError) return { result: "dropped", detail: err.message };
    if (err instanceof RetryableError) return { result: "retry", detail: err.message, retryAfterS: err.retryAfterS };
    throw err;
  }
}

async function handleOne(msg: Message<DispatchMessage>, env: Env): Promise<void> {
  const body = msg.body;
  if (!body?.event?.event_id || !dispatchers[body.channel]) {
    log("dispatch.malformed", { message_id: msg.id }, "error");
    msg.ack();
    return;
  }
  const { channel, event } = body;
  const base = { event_id: event.event_id, event_type: event.event_type, task_id: event.task_id, channel, attempt: msg.attempts };
  try {
    if (await deliveryDone(env.DB, event.event_id, channel)) {
      log("dispatch.duplicate", base);
      msg.ack();
      return;
    }
    const outcome = await dispatch(body, env);
    if (outcome.result === "retry") {
      const delay = retryDelayS(msg.attempts, outcome.retryAfterS);
      log("dispatch.retry", { ...base, delay_s: delay, detail: outcome.detail }, "warn");
      msg.retry({ delaySeconds: delay });
      return;
    }
    if (outcome.result === "dead_letter") {
      // No delivery row: a replay once the cause is fixed must deliver it.
      await recordDeadLetter(env.DB, DLQ, msg.id, body, msg.attempts, outcome.detail);
      log("dispatch.dead_lettered", { ...base, reason: outcome.detail }, "warn");
      msg.ack();
      return;
    }
    await recordDelivery(
      env.DB,
      event,
      channel,
      outcome,
      channel === "slack" ? slackRef(event.event_type, event.metadata) : null,
      msg.attempts,
    );
    log(`dispatch.${outcome.result}`, { ...base, detail: outcome.detail }, outcome.result === "dropped" ? "warn" : "info");
    msg.ack();
  } catch (err) {
    const delay = retryDelayS(msg.attempts);
    log("dispatch.error", { ...base, delay_s: delay, error: String(err) }, "error");
    msg.retry({ delaySeconds: delay });
  }
}
