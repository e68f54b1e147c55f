import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { allow } from "../auth";
import { listReposRoute } from "./list";
import { repoPoliciesRoute } from "./policies";
import { putRepoRoute } from "./put";

export const reposRouter = new Hono<AppEnv>();
reposRouter.get("/", allow("admin", "user"), listReposRoute);
reposRouter.put("/:owner/:name", allow("admin"), putRepoRoute);
reposRouter.get("/:owner/:name/policies", allow("admin", "user"), repoPoliciesRoute);
