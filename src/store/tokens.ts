import { iso } from "../shared/clock";
import { sha256Hex } from "../shared/crypto";
import { newPrincipalToken } from "../shared/tokens";

export interface TokenRow {
  kind: "user" | "runner";
  subject_id: string;
  revoked_at: string | null;
}

export async function findToken(db: D1Database, hash: string): Promise<TokenRow | null> {
  return db.prepare("SELECT kind, subject_id, revoked_at FROM api_tokens WHERE token_hash = ?").bind(hash).first<TokenRow>();
}

/** Mint a token; only its hash is stored. The plain token is shown to the caller once. */
export async function issueToken(db: D1Database, kind: TokenRow["kind"], subjectId: string): Promise<string> {
  const token = newPrincipalToken(kind);
  await db
    .prepare("INSERT INTO api_tokens (token_hash, kind, subject_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(await sha256Hex(token), kind, subjectId, iso())
    .run();
  return token;
}

export async function revokeTokens(db: D1Database, subjectId: string): Promise<number> {
  const r = await db
    .prepare("UPDATE api_tokens SET revoked_at = ? WHERE subject_id = ? AND revoked_at IS NULL")
    .bind(iso(), subjectId)
    .run();
  return r.meta.changes;
}
