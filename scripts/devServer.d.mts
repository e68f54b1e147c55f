export interface DevServer {
  url: string;
  adminToken: string;
  output(): string;
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
export function startDevServer(opts?: { vars?: Record<string, string>; timeoutMs?: number; log?: boolean }): Promise<DevServer>;
