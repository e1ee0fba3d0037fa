// Files embedded into the binary with `with { type: "text" }`.
declare module "*.yaml" {
  const text: string;
  export default text;
}
declare module "*.txt" {
  const text: string;
  export default text;
}
