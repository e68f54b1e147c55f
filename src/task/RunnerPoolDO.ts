/**
 * One Durable Object per runner pool (runners with the same repo limits, see pool.ts): claim calls
 * that found nothing in D1 park here, and a task submitted for the pool's repos is handed to one of
 * them the moment it is created. It keeps nothing in storage: the tasks are in D1 and their claims
 * in their TaskDOs, so an evicted pool only means the next claim call reads D1 first.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { Handover, type Offer } from "./pool";

export class RunnerPoolDO extends DurableObject<Env> {
  /** Public so tests can shorten the lease. */
  readonly handover = new Handover();

  /** Park until a task is offered to this pool or `waitMs` passes (then null). */
  async wait(waitMs: number): Promise<Offer | null> {
    return this.handover.wait(waitMs);
  }

  /** A task became claimable: to a waiting runner at once, else kept for the next one. */
  async offer(o: Offer): Promise<boolean> {
    return this.handover.offer(o);
  }

  /** The claim call that took `taskId` is done with it. */
  async settle(taskId: string): Promise<void> {
    this.handover.settle(taskId);
  }

  /** For tests and operators. */
  async counts(): Promise<{ waiting: number; hints: number; leased: number }> {
    return this.handover.counts();
  }
}
