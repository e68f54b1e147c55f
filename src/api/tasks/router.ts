import { Hono } from "hono";
import { allow } from "../auth";
import type { AppEnv } from "../context";
import { cancelTaskRoute } from "./cancel";
import { createTaskRoute } from "./create";
import { listEventsRoute } from "./events";
import { getTaskRoute } from "./get";
import { listTasksRoute } from "./list";
import { finishRoute, heartbeatRoute, postEventRoute } from "./runnerCalls";

export const tasksRouter = new Hono<AppEnv>();
tasksRouter.post("/", allow("user"), createTaskRoute);
tasksRouter.get("/", allow("user", "admin"), listTasksRoute);
tasksRouter.get("/:id", allow("user", "admin", "task"), getTaskRoute);
tasksRouter.get("/:id/events", allow("user", "admin"), listEventsRoute);
tasksRouter.post("/:id/cancel", allow("user", "admin"), cancelTaskRoute);
tasksRouter.post("/:id/events", allow("task"), postEventRoute);
tasksRouter.post("/:id/heartbeat", allow("task"), heartbeatRoute);
tasksRouter.post("/:id/finish", allow("task"), finishRoute);
