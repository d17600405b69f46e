/**
 * esbuild (from npm) driven from Deno, with a plugin that resolves what Deno resolves and
 * esbuild does not: the workspace's own packages (`@astrocyte/core`, `@astrocyte/core/testing`,
 * `@astrocyte/libsql`, … from each member's `deno.json` `name` and `exports`) and `npm:`
 * specifiers (`npm:pkg@range/sub` → `pkg/sub` from `node_modules`). Used by the runtime legs
 * (`run.ts`) and by `scripts/bundle_size.ts`.
 *
 * Every import that cannot be resolved for the target is recorded (and kept external so the
 * build finishes), which is how "zero unresolved imports" is checked.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (two levels above this file). */
export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Bundle targets. */
export type Target = "workerd" | "workerd-nodejs-compat" | "node" | "bun";

/** Options of {@linkcode bundle}. */
export interface BundleOptions {
  /** Entry file, or source text resolved from `resolveDir`. */
  entry: string | { contents: string; resolveDir: string };
  /** Target runtime. */
  target: Target;
  /** Minify (size measurements). @default {false} */
  minify?: boolean;
  /** Write the bundle here; otherwise kept in memory only. */
  outfile?: string;
  /** Packages kept external on purpose (native or WASM packages loaded from node_modules). */
  external?: string[];
  /** Replace `node:assert/strict` with the shim (workerd without `nodejs_compat`). */
  assertShim?: boolean;
  /**
   * Specifiers (or `prefix/*`) replaced by an empty module — for experiments such as "does
   * the rest pass on workerd once this import is gone"; never used by the checks.
   */
  stubs?: string[];
}

/** Result of {@linkcode bundle}. */
export interface BundleResult {
  /** The bundle. */
  code: string;
  /** Imports that could not be resolved for the target (`specifier (kind) ← importer`). */
  unresolved: string[];
  /**
   * `node:` built-ins left external (provided by the runtime, e.g. `nodejs_compat`), as
   * `specifier (import kind) ← importer`.
   */
  nodeBuiltins: string[];
  /** Input files with the bytes each contributed to the output. */
  inputs: Record<string, number>;
}

interface Member {
  name: string;
  dir: string;
  exports: Record<string, string>;
}

let membersCache: Member[] | undefined;

function workspaceMembers(): Member[] {
  if (membersCache) return membersCache;
  const root = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  membersCache = (root.workspace as string[]).flatMap((m) => {
    const dir = join(ROOT, m);
    try {
      const cfg = JSON.parse(Deno.readTextFileSync(join(dir, "deno.json")));
      const exp = typeof cfg.exports === "string" ? { ".": cfg.exports } : cfg.exports ?? {};
      return cfg.name ? [{ name: cfg.name as string, dir, exports: exp }] : [];
    } catch {
      return [];
    }
  });
  return membersCache;
}

function workspacePath(specifier: string): string | undefined {
  for (const m of workspaceMembers()) {
    if (specifier !== m.name && !specifier.startsWith(`${m.name}/`)) continue;
    const sub = specifier === m.name ? "." : `.${specifier.slice(m.name.length)}`;
    const target = m.exports[sub];
    if (target) return join(m.dir, target);
  }
  return undefined;
}

/** `npm:@scope/pkg@^1.2/sub` → `@scope/pkg/sub`. */
export function npmToBare(specifier: string): string {
  const rest = specifier.slice(4).replace(/^\//, "");
  const m = /^(@[^/]+\/[^@/]+|[^@/]+)(?:@[^/]*)?(\/.*)?$/.exec(rest);
  return m ? `${m[1]}${m[2] ?? ""}` : rest;
}

const relative = (file: string): string =>
  file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file;

const DISABLED = "astrocyte-disabled";

const SHIM = join(ROOT, "tests", "runtimes", "_assert_shim.ts");

function resolverPlugin(
  target: Target,
  assertShim: boolean,
  external: string[],
  stubs: string[],
  unresolved: Set<string>,
  nodeBuiltins: Set<string>,
): esbuild.Plugin {
  const matches = (list: string[]) => (p: string) =>
    list.some((e) =>
      e.endsWith("/*") ? p.startsWith(e.slice(0, -1)) : p === e || p.startsWith(`${e}/`)
    );
  const isExternal = matches(external);
  const isStub = matches(stubs);
  const nodeTarget = target === "node" || target === "bun";
  return {
    name: "astrocyte-resolve",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.inner || args.kind === "entry-point") return undefined;
        let path = args.path;
        if (isStub(path)) return { path, namespace: DISABLED };
        if (assertShim && (path === "node:assert/strict" || path === "node:assert")) {
          return { path: SHIM };
        }
        if (path.startsWith("node:") || (nodeTarget && /^(bun|bun:.*)$/.test(path))) {
          nodeBuiltins.add(`${path} (${args.kind}) ← ${relative(args.importer)}`);
          return { path, external: true };
        }
        if (path.startsWith("npm:")) path = npmToBare(path);
        // The embedded PGlite entry cannot load in workerd (its legs are declared unsupported
        // there); the shared leg files import it, so workerd bundles get the main entry.
        if (!nodeTarget && path === "@astrocyte/postgres/pglite") path = "@astrocyte/postgres";
        const ws = workspacePath(path);
        if (ws) return { path: ws };
        if (isExternal(path)) return { path, external: true };
        const r = await build.resolve(path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { inner: true },
        });
        if (r.errors.length > 0) {
          unresolved.add(`${args.path} (${args.kind}) ← ${relative(args.importer)}`);
          return { path: args.path, external: true };
        }
        // A package's `browser` field mapping a module to `false`: an empty module.
        if (!r.external && r.namespace === "") return { path: r.path, namespace: DISABLED };
        return r;
      });
      build.onLoad({ filter: /.*/, namespace: DISABLED }, () => ({
        contents: "module.exports = {};",
        loader: "js",
      }));
    },
  };
}

/** Bundle an entry for a runtime target. */
export async function bundle(options: BundleOptions): Promise<BundleResult> {
  const unresolved = new Set<string>();
  const nodeBuiltins = new Set<string>();
  const worker = options.target === "workerd" || options.target === "workerd-nodejs-compat";
  const result = await esbuild.build({
    ...(typeof options.entry === "string"
      ? { entryPoints: [options.entry] }
      : { stdin: { ...options.entry, loader: "ts", sourcefile: "entry.ts" } }),
    bundle: true,
    format: "esm",
    write: false,
    outfile: options.outfile ?? join(ROOT, "dist", "out.mjs"),
    metafile: true,
    minify: options.minify ?? false,
    logLevel: "silent",
    target: "es2022",
    absWorkingDir: ROOT,
    ...(worker
      ? {
        platform: "browser",
        conditions: ["workerd", "worker", "browser"],
        mainFields: ["module", "main"],
      }
      : {
        platform: "node",
        conditions: options.target === "bun" ? ["bun"] : [],
        // CommonJS dependencies call require() for built-ins: give the ESM bundle one.
        banner: {
          js:
            'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);',
        },
      }),
    plugins: [
      resolverPlugin(
        options.target,
        options.assertShim ?? false,
        options.external ?? [],
        options.stubs ?? [],
        unresolved,
        nodeBuiltins,
      ),
    ],
  });
  const code = result.outputFiles[0]!.text;
  if (options.outfile) {
    await Deno.mkdir(dirname(options.outfile), { recursive: true });
    await Deno.writeTextFile(options.outfile, code);
  }
  const out = Object.values(result.metafile.outputs)[0];
  const inputs: Record<string, number> = {};
  for (const [file, info] of Object.entries(out?.inputs ?? {})) inputs[file] = info.bytesInOutput;
  return { code, unresolved: [...unresolved], nodeBuiltins: [...nodeBuiltins], inputs };
}

/** Stop esbuild's service process (lets the Deno process exit). */
export async function stopBundler(): Promise<void> {
  await esbuild.stop();
}
