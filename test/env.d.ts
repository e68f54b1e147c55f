import type { Env as AppEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends AppEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
declare module "*.cedar" {
  const text: string;
  export default text;
}
declare module "*.cedarschema" {
  const text: string;
  export default text;
}
