/** Read and validate a JSON body: size-capped before parsing, schema-checked into a typed value. */
import type { z } from "zod";
import { AppError } from "../shared/errors";
import { LIMITS } from "../shared/limits";
import { describeIssues } from "../shared/zodIssues";
import type { AppContext } from "./context";

/**
 * The body's bytes, or null as soon as it is known to exceed `maxBytes`: from Content-Length
 * without reading, otherwise by counting while reading the stream (chunked bodies have no length),
 * which is then cancelled so nothing more is read.
 */
export async function readBodyBytes(req: Request, maxBytes: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (!(declared <= maxBytes)) return null;
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.byteLength;
  }
  return all;
}

export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
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
