/**
 * Queue consumers. DISPATCH: one message = one event for one channel, handled on its own
 * (ack / retry with delay). The dead-letter queue's consumer records what could not be delivered.
 */
import type { Env } from "../env";
import { log } from "../shared/log";
import type { DispatchMessage } from "../shared/types";
import { recordDeadLetter } from "../store/deadLetters";
import { deliveryDone, recordDelivery } from "../store/deliveries";
import { type Dispatcher, type Outcome, dispatchers } from "./dispatchers";

export const DISPATCH_QUEUE = "bgagent-dispatch";
export const DLQ = "bgagent-dispatch-dlq";

const retryDelayS = (attempts: number, hinted?: number): number =>
  Math.min(300, Math.max(hinted ?? 0, 2 ** Math.min(attempts, 8)));

export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue.startsWith(DLQ)) {
    for (const msg of batch.messages) {
      await recordDeadLetter(env.DB, batch.queue, msg.id, msg.body, msg.attempts);
      log("dispatch.dead_lettered", { message_id: msg.id, attempts: msg.attempts }, "warn");
      msg.ack();
    }
    return;
  }
  await Promise.all(batch.messages.map((m) => handleOne(m as Message<DispatchMessage>, env)));
}

async function handleOne(msg: Message<DispatchMessage>, env: Env): Promise<void> {
  const { channel, event } = msg.body;
  const base = { event_id: event.event_id, event_type: event.event_type, task_id: event.task_id, channel, attempt: msg.attempts };
  try {
    if (await deliveryDone(env.DB, event.event_id, channel)) {
      log("dispatch.duplicate", base);
      msg.ack();
      return;
    }
    const dispatcher: Dispatcher | undefined = dispatchers[channel];
    const outcome: Outcome = dispatcher
      ? await dispatcher(msg.body, env)
      : { result: "skipped", detail: `no dispatcher for ${channel}` };
    if (outcome.result === "retry") {
      const delay = retryDelayS(msg.attempts, outcome.retryAfterS);
      log("dispatch.retry", { ...base, delay_s: delay, detail: outcome.detail }, "warn");
      msg.retry({ delaySeconds: delay });
      return;
    }
    await recordDelivery(env.DB, event, channel, outcome);
    log(`dispatch.${outcome.result}`, { ...base, detail: outcome.detail });
    msg.ack();
  } catch (err) {
    const delay = retryDelayS(msg.attempts);
    log("dispatch.error", { ...base, delay_s: delay, error: String(err) }, "error");
    msg.retry({ delaySeconds: delay });
  }
}
