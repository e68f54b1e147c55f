import type { Env as AppEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends AppEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
  }
}

// Policy case files (policies/tests/*.jsonl) are imported as text in tests.
declare module "*.jsonl" {
  const text: string;
  export default text;
}
