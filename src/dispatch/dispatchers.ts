/** Channel dispatchers: each turns one event into side effects on one channel and reports an Outcome. */
import type { Env } from "../env";
import type { DispatchChannel } from "../shared/events";
import type { Outcome } from "../shared/outcome";
import type { DispatchMessage } from "../shared/types";
import { githubDispatcher } from "./github";
import { homeDispatcher } from "./home";
import { slackDispatcher } from "./slack";

export type Dispatcher = (msg: DispatchMessage, env: Env) => Promise<Outcome>;

export const dispatchers: Record<DispatchChannel, Dispatcher> = {
  slack: slackDispatcher,
  github: githubDispatcher,
  home: homeDispatcher,
};
