#!/usr/bin/env -S deno run -A
/**
 * The `astrocyte` executable: `deno run -A jsr:@astrocyte/cli/main <command> ...`.
 *
 * @example
 * ```sh
 * deno install -g -A -n astrocyte jsr:@astrocyte/cli/main
 * astrocyte recall "What does Calvin prefer?" --bank user-123
 * ```
 *
 * @module
 */
import { main } from "./cli.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
