/**
 * GitHub credentials for the dispatcher: a GitHub App (GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY) when
 * configured, else a fine-grained token (GITHUB_TOKEN).
 *
 * App flow: an RS256 JWT signed with WebCrypto (iat 60 s in the past for clock drift, exp 9 min
 * ahead: GitHub refuses more than 10) finds the installation for the repo's owner
 * (GET /repos/{owner}/{repo}/installation) and mints an installation token
 * (POST /app/installations/{id}/access_tokens, valid 1 h).
 *
 * Tokens are cached per isolate, until 5 minutes before they expire. Not in D1 or a Durable Object:
 * that would keep a live credential at rest in a table and cost a query per message, to save at most
 * two GitHub calls per isolate and owner per hour (well inside the App's rate limit).
 */
import type { Env } from "../env";
import { UndeliverableError } from "../shared/channelErrors";

/** How the dispatcher authenticates one call; `refresh` drops a cached App token (after a 401). */
export interface GithubAuth {
  kind: "app" | "token";
  header(): Promise<string>;
  refresh(): void;
}

/** Sends one JWT-authenticated request; the dispatcher's own error classification applies. */
export type AppRequest = (method: string, path: string, jwt: string) => Promise<Record<string, unknown>>;

const REFRESH_BEFORE_MS = 5 * 60_000;

const installationTokens = new Map<string, Promise<{ token: string; expiresAt: number }>>();
const keys = new Map<string, Promise<CryptoKey>>();

/** The credential configured in `env`; null when there is none. Half an App configuration is an error, not a fallback. */
export function githubAuthFor(env: Env, repo: string, request: AppRequest): GithubAuth | null {
  const { GITHUB_APP_ID: appId, GITHUB_APP_PRIVATE_KEY: pem } = env;
  if (appId || pem) {
    if (!appId || !pem) throw new UndeliverableError(`GitHub App: ${appId ? "GITHUB_APP_PRIVATE_KEY" : "GITHUB_APP_ID"} is not set`);
    const owner = repo.split("/")[0];
    const cacheKey = `${env.GITHUB_API_BASE_URL}|${appId}|${owner}`;
    return {
      kind: "app",
      async header() {
        const cached = installationTokens.get(cacheKey);
        const current = cached && (await cached.catch(() => null));
        if (current && current.expiresAt - REFRESH_BEFORE_MS > Date.now()) return `Bearer ${current.token}`;
        // One mint per isolate and owner at a time: concurrent messages share it.
        let minting = installationTokens.get(cacheKey);
        if (!minting || minting === cached) {
          const mint = mintInstallationToken(appId, pem, repo, request);
          installationTokens.set(cacheKey, mint);
          mint.catch(() => installationTokens.get(cacheKey) === mint && installationTokens.delete(cacheKey));
          minting = mint;
        }
        return `Bearer ${(await minting).token}`;
      },
      refresh() {
        installationTokens.delete(cacheKey);
      },
    };
  }
  if (!env.GITHUB_TOKEN) return null;
  const token = env.GITHUB_TOKEN;
  return { kind: "token", header: async () => `Bearer ${token}`, refresh() {} };
}

async function mintInstallationToken(appId: string, pem: string, repo: string, request: AppRequest) {
  const key = keys.get(pem) ?? importPrivateKey(pem);
  keys.set(pem, key);
  key.catch(() => keys.delete(pem));
  const jwt = await appJwt(appId, await key, Math.floor(Date.now() / 1000));
  const installation = await request("GET", `/repos/${repo}/installation`, jwt);
  const minted = await request("POST", `/app/installations/${String(installation.id)}/access_tokens`, jwt);
  const expiresAt = Date.parse(String(minted.expires_at));
  if (typeof minted.token !== "string" || Number.isNaN(expiresAt)) throw new Error("GitHub App: unexpected access_tokens answer");
  return { token: minted.token, expiresAt };
}

const b64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const utf8 = (s: string) => new TextEncoder().encode(s);

/** The App's JWT: RS256 over {iat, exp, iss}. */
export async function appJwt(appId: string, key: CryptoKey, nowS: number): Promise<string> {
  const head = b64url(utf8(JSON.stringify({ alg: "RS256", typ: "JWT" })));
  const claims = b64url(utf8(JSON.stringify({ iat: nowS - 60, exp: nowS + 540, iss: appId })));
  const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, utf8(`${head}.${claims}`));
  return `${head}.${claims}.${b64url(new Uint8Array(sig))}`;
}

export async function importPrivateKey(pem: string): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey("pkcs8", pkcs8FromPem(pem), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
  } catch (err) {
    if (err instanceof UndeliverableError) throw err;
    throw new UndeliverableError("GitHub App: GITHUB_APP_PRIVATE_KEY is not a readable RSA private key");
  }
}

/**
 * The key as PKCS#8 DER, which is what WebCrypto imports. GitHub hands out PKCS#1
 * ("BEGIN RSA PRIVATE KEY"); that is wrapped into PKCS#8 here, so either works as downloaded.
 * Escaped newlines (`\n`, as some secret stores keep them) are accepted too.
 */
export function pkcs8FromPem(pem: string): Uint8Array<ArrayBuffer> {
  const m = /-----BEGIN (RSA )?PRIVATE KEY-----([A-Za-z0-9+/=\s]+?)-----END (RSA )?PRIVATE KEY-----/.exec(pem.replace(/\\n/g, "\n"));
  if (!m || m[1] !== m[3]) {
    throw new UndeliverableError(
      "GitHub App: GITHUB_APP_PRIVATE_KEY is not a PEM private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)",
    );
  }
  const der = Uint8Array.from(atob(m[2].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  return m[1] ? pkcs1ToPkcs8(der) : der;
}

const derLength = (n: number): number[] =>
  n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];

const tlv = (tag: number, body: Uint8Array): Uint8Array<ArrayBuffer> => {
  const head = [tag, ...derLength(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
};

/** version 0, AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL } */
const PKCS8_RSA_PREFIX = [0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];

/** PrivateKeyInfo ::= SEQUENCE { version, algorithm, privateKey OCTET STRING (the PKCS#1 key) } */
export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const key = tlv(0x04, pkcs1);
  const body = new Uint8Array(PKCS8_RSA_PREFIX.length + key.length);
  body.set(PKCS8_RSA_PREFIX);
  body.set(key, PKCS8_RSA_PREFIX.length);
  return tlv(0x30, body);
}
