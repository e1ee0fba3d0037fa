// The release version. scripts/build.ts defines PRJ_VERSION from package.json
// when it compiles dist/prj; running from source (bun test, bun src/main.ts)
// it is undefined and the version reads "0.0.0-dev".
declare const PRJ_VERSION: string | undefined;

export const VERSION: string = typeof PRJ_VERSION === "string" ? PRJ_VERSION : "0.0.0-dev";
