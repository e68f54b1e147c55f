// Cedar files are bundled as text modules (wrangler.toml [[rules]] type = "Text").
declare module "*.cedar" {
  const text: string;
  export default text;
}
declare module "*.cedarschema" {
  const text: string;
  export default text;
}
