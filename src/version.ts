// The release version. scripts/build.ts defines PRJ_VERSION from package.json
// when it compiles dist/prj; running from source (bun test, bun src/main.ts)
// it is undefined and the version reads "0.0.0-dev".
declare const PRJ_VERSION: string | undefined;

export const VERSION: string = typeof PRJ_VERSION === "string" ? PRJ_VERSION : "0.0.0-dev";

declare const PRJ_BUILD_ID: string | undefined;

/**
 * Identifies the code of this build (a hash of the sources and the lockfile,
 * set by scripts/build.ts). Caches of derived data, such as validated config
 * (config/cache.ts), are only valid for the build that wrote them. Undefined
 * when running from source, where nothing is cached.
 */
export const BUILD_ID: string | undefined = typeof PRJ_BUILD_ID === "string" ? PRJ_BUILD_ID : undefined;
