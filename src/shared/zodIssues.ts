import type { z } from "zod";

/** Zod issues as one readable line: "repo: must look like owner/name; approval_timeout_s: ...". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}
