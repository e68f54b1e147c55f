/** GET /v1/repos: onboarded repos with their blueprints (any authenticated user or admin). */
import { listRepos } from "../../store/repos";
import type { AppContext } from "../context";
import { respond } from "../envelope";

export async function listReposRoute(c: AppContext) {
  return respond(c, { repos: await listRepos(c.env.DB) });
}
