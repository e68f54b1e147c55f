/** The fake Slack + GitHub over real HTTP on 127.0.0.1, for wrangler dev end-to-end runs and the demo. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { FakeApis } from "./fakeApis";

export interface FakeApiServer {
  fake: FakeApis;
  slackBaseUrl: string;
  githubBaseUrl: string;
  responseUrl: (id: string) => string;
  stop(): Promise<void>;
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const fake = new FakeApis();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    for await (const c of req) body += c;
    // The fake routes on host names; map our two path prefixes onto them.
    const path = req.url ?? "/";
    const host = path.startsWith("/github/") ? "fake-github.test" : "fake-slack.test";
    const url = `https://${host}${path.replace(/^\/(github|slack)/, "")}`;
    let out: Response;
    try {
      out = await fake.handle(
        new Request(url, {
          method: req.method,
          headers: { "content-type": String(req.headers["content-type"] ?? ""), authorization: String(req.headers.authorization ?? "") },
          body: req.method === "GET" ? undefined : body,
        }),
      );
    } catch {
      res.destroy(); // an injected timeout or network failure
      return;
    }
    res.writeHead(out.status, Object.fromEntries(out.headers.entries()));
    res.end(await out.text());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    fake,
    slackBaseUrl: `${base}/slack/api/`,
    githubBaseUrl: `${base}/github/`,
    responseUrl: (id) => `${base}/slack/response/${id}`,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
