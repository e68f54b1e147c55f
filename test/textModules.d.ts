// Policy case files (policies/tests/*.jsonl) are imported as text in tests.
declare module "*.jsonl" {
  const text: string;
  export default text;
}
