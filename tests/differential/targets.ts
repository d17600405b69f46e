/**
 * The stores under test, one bundle per adapter configuration ("target"), shared by the
 * differential, hostile-input and concurrency suites. Every target is started against its
 * real engine with the repo's own fixtures:
 *
 * - `libsql-file`: `@libsql/client` on a temp `file:` database (native engine);
 * - `libsql-http`: `@libsql/client/web` against the Hrana server fixture;
 * - `postgres-pglite`: the embedded PGlite driver (`memory://`);
 * - `postgres-neon-ws` / `postgres-neon-http`: Neon's driver through the WebSocket bridge and
 *   the SQL-over-HTTP shim of `tests/fixtures/pg_server.ts`;
 * - `upstash`: the Upstash emulator fixture.
 *
 * Families are discovered from each adapter's exports (`create<Adapter><Family>Store`), so a
 * family an adapter adds later is picked up without changing this file. Every suite works in
 * fresh, uniquely named banks, so all runs of a target share one database.
 *
 * @module
 */
import {
  createInMemoryDocumentStore,
  createInMemoryGraphStore,
  createInMemoryMentalModelStore,
  createInMemoryPageIndexStore,
  createInMemorySourceStore,
  createInMemoryVectorStore,
  createInMemoryWikiStore,
} from "@astrocyte/core";
import type {
  DocumentStore,
  GraphStore,
  MentalModelStore,
  PageIndexStore,
  SourceStore,
  VectorStore,
  WikiStore,
} from "@astrocyte/core";
import { createClient as createFileClient } from "npm:@libsql/client@^0.18.0";
import { createClient as createWebClient } from "npm:@libsql/client@^0.18.0/web";
import * as libsqlMod from "../../adapters/libsql/mod.ts";
import * as postgresMod from "../../adapters/postgres/pglite.ts";
import * as upstashMod from "../../adapters/upstash/mod.ts";
import { serveHrana } from "../fixtures/hrana_server.ts";
import { startPgTestServer } from "../fixtures/pg_server.ts";
import { serveUpstashEmulator } from "../fixtures/upstash_emulator.ts";

/** The store families every reliability suite exercises (differential, hostile, concurrency). */
export type Family = "vector" | "document" | "graph" | "wiki" | "source";

/** Families only the differential tester exercises so far (see `ops_models.ts`). */
export type ExtraFamily = "mental_model" | "pageindex";

/** Any family the differential tester knows. */
export type AnyFamily = Family | ExtraFamily;

/** The families of {@linkcode Family}, in a fixed order (the default of `openBackends`). */
export const FAMILIES: readonly Family[] = ["vector", "document", "graph", "wiki", "source"];

/** The families of {@linkcode ExtraFamily}. */
export const EXTRA_FAMILIES: readonly ExtraFamily[] = ["mental_model", "pageindex"];

/** Every family, in a fixed order. */
export const ALL_FAMILIES: readonly AnyFamily[] = [...FAMILIES, ...EXTRA_FAMILIES];

/** A bundle of stores of one adapter configuration (absent = not implemented). */
export interface Stores {
  /** Vector store. */
  vector?: VectorStore;
  /** Document store. */
  document?: DocumentStore;
  /** Graph store. */
  graph?: GraphStore;
  /** Wiki store. */
  wiki?: WikiStore;
  /** Source store. */
  source?: SourceStore;
  /** Mental model store. */
  mental_model?: MentalModelStore;
  /** PageIndex store. */
  pageindex?: PageIndexStore;
}

/** An opened target: its stores plus a name and a way to close them. */
export interface Target extends Stores {
  /** e.g. `libsql-http`. */
  readonly name: string;
  /** Close the stores (not the shared backend). */
  close(): Promise<void>;
}

/** Names of every target, in run order. */
export const TARGET_NAMES = [
  "libsql-file",
  "libsql-http",
  "postgres-pglite",
  "postgres-neon-ws",
  "postgres-neon-http",
  "upstash",
] as const;

/** A target name. */
export type TargetName = typeof TARGET_NAMES[number];

/**
 * The targets a test file should start: every target, or the comma-separated list in
 * `ASTROCYTE_RELIABILITY_TARGETS` (to iterate on one adapter).
 */
export function selectedTargets(): TargetName[] {
  let env: string | undefined;
  try {
    env = Deno.env.get("ASTROCYTE_RELIABILITY_TARGETS");
  } catch {
    env = undefined;
  }
  if (!env) return [...TARGET_NAMES];
  return env.split(",").map((s) => s.trim()).filter((s): s is TargetName =>
    (TARGET_NAMES as readonly string[]).includes(s)
  );
}

/** Fresh in-memory reference stores (the model every target is compared against). */
export function referenceStores(dimensions: number): Target {
  const s: Stores = {
    vector: createInMemoryVectorStore({ dimensions }),
    document: createInMemoryDocumentStore(),
    graph: createInMemoryGraphStore(),
    wiki: createInMemoryWikiStore(),
    source: createInMemorySourceStore(),
    mental_model: createInMemoryMentalModelStore(),
    pageindex: createInMemoryPageIndexStore(),
  };
  return {
    name: "in_memory",
    ...s,
    async close() {
      for (const f of ALL_FAMILIES) await s[f]?.close();
    },
  };
}

// deno-lint-ignore no-explicit-any
type AnyFactory = (options: any, context?: any) => unknown;

/** The exported factory `name` of an adapter module, when it exists yet. */
function factory(mod: object, name: string): AnyFactory | undefined {
  const f = (mod as Record<string, unknown>)[name];
  return typeof f === "function" ? f as AnyFactory : undefined;
}

const FAMILY_SUFFIX: Record<AnyFamily, string> = {
  vector: "VectorStore",
  document: "DocumentStore",
  graph: "GraphStore",
  wiki: "WikiStore",
  source: "SourceStore",
  mental_model: "MentalModelStore",
  pageindex: "PageIndexStore",
};

/** Build every family a module exports, for `prefix` (`Libsql`, `Postgres`, `Upstash`). */
function buildStores(
  mod: object,
  prefix: string,
  options: (family: AnyFamily) => Record<string, unknown>,
  context: unknown,
  only: readonly AnyFamily[],
): Stores {
  const out: Stores = {};
  for (const family of only) {
    const f = factory(mod, `create${prefix}${FAMILY_SUFFIX[family]}`);
    if (f === undefined) continue;
    // deno-lint-ignore no-explicit-any
    (out as any)[family] = f(options(family), context);
  }
  return out;
}

function bundle(name: string, stores: Stores, after?: () => Promise<void>): Target {
  return {
    name,
    ...stores,
    async close() {
      for (const f of ALL_FAMILIES) await stores[f]?.close().catch(() => {});
      await after?.();
    },
  };
}

/** Options of {@linkcode openBackends}. */
export interface BackendOptions {
  /** Vector dimension of every vector store. */
  dimensions: number;
  /** Which targets to start. @default {every target} */
  targets?: readonly TargetName[];
  /** Which families to build. @default {FAMILIES} */
  families?: readonly AnyFamily[];
  /** Table prefix (libsql, postgres) / namespace prefix (upstash). @default {"rel_"} */
  tablePrefix?: string;
}

/** Running backends: a way to open each target, and to stop everything. */
export interface Backends {
  /** The targets started. */
  readonly names: readonly TargetName[];
  /** Open a target (new store instances over the shared backend). */
  open(name: TargetName): Target;
  /** Stop every backend started by {@linkcode openBackends}. */
  close(): Promise<void>;
}

/**
 * Start the backends the requested targets need (a temp libSQL file, the Hrana server,
 * PGlite, the Postgres test server with its Neon endpoints, the Upstash emulator).
 */
export async function openBackends(opts: BackendOptions): Promise<Backends> {
  const names = opts.targets ?? TARGET_NAMES;
  const families = opts.families ?? FAMILIES;
  const dims = opts.dimensions;
  const tablePrefix = opts.tablePrefix ?? "rel_";
  const stops: (() => Promise<void>)[] = [];
  const openers = new Map<TargetName, () => Target>();

  if (names.includes("libsql-file")) {
    const dir = await Deno.makeTempDir({ prefix: "astrocyte-rel-" });
    const client = createFileClient({ url: `file:${dir}/rel.db` });
    stops.push(async () => {
      client.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    });
    openers.set("libsql-file", () =>
      bundle(
        "libsql-file",
        buildStores(
          libsqlMod,
          "Libsql",
          () => ({ client, dimensions: dims, tablePrefix }),
          {},
          families,
        ),
      ));
  }
  if (names.includes("libsql-http")) {
    const server = await serveHrana({ streamIdleMs: 2000 });
    const client = createWebClient({ url: server.url });
    stops.push(async () => {
      client.close();
      await server.close();
    });
    openers.set("libsql-http", () =>
      bundle(
        "libsql-http",
        buildStores(
          libsqlMod,
          "Libsql",
          () => ({ client, dimensions: dims, tablePrefix }),
          {},
          families,
        ),
      ));
  }
  if (names.includes("postgres-pglite")) {
    const shared = new Map<string, unknown>();
    const ctx = { shared, env: {}, fetch: globalThis.fetch };
    const options = { url: "memory://", tablePrefix };
    // A keeper holds a reference on the shared PGlite while the file runs.
    const keeper = postgresMod.createPostgresVectorStore({ ...options, dimensions: dims }, ctx);
    await keeper.health();
    stops.push(() => keeper.close());
    openers.set("postgres-pglite", () =>
      bundle(
        "postgres-pglite",
        buildStores(
          postgresMod,
          "Postgres",
          () => ({ ...options, dimensions: dims }),
          ctx,
          families,
        ),
      ));
  }
  if (names.includes("postgres-neon-ws") || names.includes("postgres-neon-http")) {
    const server = await startPgTestServer();
    const legs: [TargetName, Record<string, unknown>][] = [
      ["postgres-neon-ws", {
        url: server.neonUrl,
        driver: "neon-ws",
        schema: "rel_ws",
        wsProxy: server.wsProxy,
        useSecureWebSocket: false,
        pipelineConnect: false,
        pipelineTLS: false,
        coalesceWrites: false,
        // pglite-socket multiplexes every connection onto one Postgres session, so concurrent
        // transactions on several connections interleave inside the fixture (test-infra.md
        // pitfalls 3-4: "portal does not exist", waits). One connection keeps the fixture
        // faithful; the driver still queues concurrent calls.
        maxConnections: 1,
      }],
      ["postgres-neon-http", {
        url: server.neonUrl,
        driver: "neon-http",
        schema: "rel_http",
        fetchEndpoint: server.fetchEndpoint,
      }],
    ];
    const keepers: { close(): Promise<void> }[] = [];
    for (const [name, options] of legs) {
      if (!names.includes(name)) continue;
      const shared = new Map<string, unknown>();
      const ctx = { shared, env: {}, fetch: globalThis.fetch };
      const keeper = postgresMod.createPostgresVectorStore({
        ...options,
        tablePrefix,
        dimensions: dims,
      }, ctx);
      await keeper.health();
      keepers.push(keeper);
      openers.set(name, () =>
        bundle(
          name,
          buildStores(
            postgresMod,
            "Postgres",
            () => ({ ...options, tablePrefix, dimensions: dims }),
            ctx,
            families,
          ),
        ));
    }
    stops.push(async () => {
      for (const k of keepers) await k.close().catch(() => {});
      await server.close();
    });
  }
  if (names.includes("upstash")) {
    // Vectors need a DENSE index, documents a SPARSE one: two emulators.
    const dense = serveUpstashEmulator({ dimension: dims });
    const sparse = serveUpstashEmulator({ indexType: "SPARSE" });
    stops.push(() => dense.close(), () => sparse.close());
    const namespacePrefix = tablePrefix.replace(/[^A-Za-z0-9_-]/g, "");
    openers.set("upstash", () =>
      bundle(
        "upstash",
        buildStores(
          upstashMod,
          "Upstash",
          (family) => {
            const s = family === "document" ? sparse : dense;
            return {
              url: s.url,
              token: s.token,
              ...(family === "vector" ? { dimensions: dims } : {}),
              retryBaseMs: 1,
              namespacePrefix,
            };
          },
          { fetch: globalThis.fetch, env: {} },
          families,
        ),
      ));
  }
  return {
    names: names.filter((n) => openers.has(n)),
    open(name) {
      const o = openers.get(name);
      if (o === undefined) throw new Error(`target ${name} was not started`);
      return o();
    },
    async close() {
      for (const stop of stops.reverse()) await stop().catch(() => {});
    },
  };
}

/** The families a target implements. */
export function familiesOf(stores: Stores): AnyFamily[] {
  return ALL_FAMILIES.filter((f) => stores[f] !== undefined);
}
