/**
 * `@astrocyte/cli`: the `astrocyte` command line — `retain`, `recall`, `reflect`, `forget`,
 * `health` against an `astrocyte.yaml`, and `conformance`, which runs the SPI contract
 * harness against the configured backends and deletes its scratch banks afterwards.
 *
 * Install the command with `deno install -g -A -n astrocyte jsr:@astrocyte/cli` (this module
 * runs the CLI when executed directly), or call {@linkcode main} in-process:
 *
 * @example
 * ```ts ignore
 * import { main } from "@astrocyte/cli";
 *
 * const code = await main(["health", "--config", "astrocyte.yaml", "--json"]);
 * console.log(code); // 0 when every component is healthy
 * ```
 *
 * @module
 */
import { main } from "./cli.ts";

export * from "./cli.ts";
export * from "./conformance.ts";
export * from "./registry.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
