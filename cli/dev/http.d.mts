export interface HttpReply {
  status: number;
  body: any;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}
export function request(method: string, url: string, opts?: { token?: string; body?: unknown; timeoutMs?: number }): Promise<HttpReply>;
