export interface DevServer {
  url: string;
  adminToken: string;
  output(): string;
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
export function startDevServer(opts?: { vars?: Record<string, string>; timeoutMs?: number; log?: boolean }): Promise<DevServer>;
