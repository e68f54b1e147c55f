/** Read and validate a JSON body: size-capped before parsing, schema-checked into a typed value. */
import type { z } from "zod";
import { AppError } from "../shared/errors";
import { readBodyBytes } from "../shared/http";
import { LIMITS } from "../shared/limits";
import { describeIssues } from "../shared/zodIssues";
import type { AppContext } from "./context";

async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  const bytes = await readBodyBytes(req, maxBytes);
  if (!bytes) throw tooLarge(maxBytes);
  return new TextDecoder().decode(bytes);
}

const tooLarge = (max: number) => new AppError("VALIDATION_ERROR", 400, `Request body exceeds ${max} bytes.`);

export async function parseBody<S extends z.ZodType>(c: AppContext, schema: S, maxBytes: number = LIMITS.bodyBytes): Promise<z.infer<S>> {
  const text = await readBodyText(c.req.raw, maxBytes);
  let json: unknown;
  try {
    json = text.length ? JSON.parse(text) : {};
  } catch {
    throw new AppError("VALIDATION_ERROR", 400, "Request body is not valid JSON.");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new AppError("VALIDATION_ERROR", 400, describeIssues(parsed.error));
  return parsed.data;
}

/** Parse a query parameter with a schema (query strings are strings; schemas coerce). */
export function parseQuery<S extends z.ZodType>(c: AppContext, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw new AppError("VALIDATION_ERROR", 400, describeIssues(parsed.error));
  return parsed.data;
}
