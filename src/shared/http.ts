/** HTTP edge helpers shared by the REST API and the Slack ingress: the error envelope and capped body reads. */

/** The error envelope of every route: {"error":{"code","message","request_id"}}. */
export function errorBody(code: string, message: string, requestId: string) {
  return { error: { code, message, request_id: requestId } };
}

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
