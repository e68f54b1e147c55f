/** Where the CLI keeps its login: $BGAGENT_CONFIG, else $XDG_CONFIG_HOME/bgagent/config.json, else ~/.config/bgagent/config.json. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface Config {
  url: string;
  token: string;
}

export function configPath(): string {
  if (process.env.BGAGENT_CONFIG) return process.env.BGAGENT_CONFIG;
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "bgagent", "config.json");
}

/** BGAGENT_URL / BGAGENT_TOKEN override the stored login (handy in CI and for runners). */
export function loadConfig(): Config | null {
  let stored: Partial<Config> = {};
  const path = configPath();
  if (existsSync(path)) stored = JSON.parse(readFileSync(path, "utf8")) as Partial<Config>;
  const url = process.env.BGAGENT_URL || stored.url;
  const token = process.env.BGAGENT_TOKEN || stored.token;
  return url && token ? { url, token } : null;
}

export function saveConfig(cfg: Config): string {
  const path = configPath();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(cfg, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}
