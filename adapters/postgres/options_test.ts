import assert from "node:assert/strict";
import { ConfigError, ProviderUnavailableError, ValidationError } from "@astrocyte/core";
import {
  createPostgresVectorStore,
  parsePostgresOptions,
  postgres,
  postgresOptionsFromConfig,
} from "./mod.ts";
import { driverOf } from "./_client.ts";
import { redact, translateError } from "./_errors.ts";
import { codeUnitKey, multiRowStatements, textArrayParam } from "./_sql.ts";
import { postgresMigrationSql } from "./migrate.ts";

Deno.test("parsePostgresOptions maps snake_case keys and coerces ${VAR} strings", () => {
  const o = parsePostgresOptions({
    url: "postgres://u:p@h/db",
    driver: "neon-ws",
    dimensions: "384",
    schema: "memory",
    table_prefix: "app_",
    create_schema: "false",
    ann_index: "always",
    hnsw_m: 24,
    hnsw_ef_construction: "100",
    hnsw_ef_search: 80,
    hnsw_iterative_scan: "strict_order",
    exact_scan_threshold: "2000",
    ws_proxy: "localhost:8080/",
    use_secure_websocket: false,
    pipeline_connect: "false",
    max_connections: "3",
    fetch_endpoint: "http://localhost:4444/sql",
    language: "simple",
  });
  assert.deepEqual(o, {
    url: "postgres://u:p@h/db",
    driver: "neon-ws",
    dimensions: 384,
    schema: "memory",
    tablePrefix: "app_",
    createSchema: false,
    annIndex: "always",
    hnswM: 24,
    hnswEfConstruction: 100,
    hnswEfSearch: 80,
    hnswIterativeScan: "strict_order",
    exactScanThreshold: 2000,
    wsProxy: "localhost:8080/",
    useSecureWebSocket: false,
    pipelineConnect: false,
    maxConnections: 3,
    fetchEndpoint: "http://localhost:4444/sql",
    language: "simple",
  });
});

Deno.test("parsePostgresOptions names the offending key in snake_case", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ dimensions: 0 }, "vector_store_config.dimensions: expected an integer"],
    [{ dimensions: "12abc" }, "vector_store_config.dimensions"],
    [{ driver: "mysql" }, "vector_store_config.driver: expected one of neon-http, neon-ws, pglite"],
    [
      { schema: `public"; DROP TABLE x; --` },
      "vector_store_config.schema: expected a plain identifier",
    ],
    [{ table_prefix: "a-b" }, "vector_store_config.table_prefix: expected a plain identifier"],
    [{ table_prefix: "x".repeat(60) }, "vector_store_config.table_prefix: at most"],
    [{ create_schema: "maybe" }, "vector_store_config.create_schema: expected a boolean"],
    [{ ann_index: "sometimes" }, "vector_store_config.ann_index"],
    [{ language: "english'; --" }, "vector_store_config.language"],
    [{ url: 42 }, "vector_store_config.url: expected a string"],
  ];
  for (const [config, message] of cases) {
    assert.throws(
      () => parsePostgresOptions(config, "vector_store_config"),
      (e: unknown) => e instanceof ConfigError && e.message.includes(message),
      JSON.stringify(config),
    );
  }
  const unknown: string[] = [];
  parsePostgresOptions({ dimensions: 3, colour: "blue" }, "x", (k) => unknown.push(k));
  assert.deepEqual(unknown, ["colour"]);
});

Deno.test("the plugin reads DATABASE_URL from the context env when no url is given", () => {
  const warnings: string[] = [];
  const o = postgresOptionsFromConfig({ dimensions: 3, typo: 1 }, {
    env: { DATABASE_URL: "postgres://u:p@ep-x.neon.tech/db" },
    logger: { warn: (m) => warnings.push(m) },
  }, "vector_store_config");
  assert.equal(o.url, "postgres://u:p@ep-x.neon.tech/db");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /vector_store_config\.typo/);
  assert.equal(postgres.name, "postgres");
  assert.equal(postgres.spiVersion, 1);
  assert.match(postgres.importHint!, /@astrocyte\/postgres/);
  for (
    const f of [
      "vectorStore",
      "documentStore",
      "graphStore",
      "wikiStore",
      "mentalModelStore",
      "sourceStore",
      "pageIndexStore",
    ] as const
  ) {
    assert.equal(typeof postgres[f], "function", f);
  }
});

Deno.test("the driver follows the URL unless given", () => {
  assert.equal(driverOf({ url: "postgres://u:p@ep-x.neon.tech/db" }), "neon-http");
  assert.equal(driverOf({ url: "postgresql://u:p@h/db", driver: "neon-ws" }), "neon-ws");
  assert.equal(driverOf({ url: "memory://" }), "pglite");
  assert.equal(driverOf({ url: "pglite:./data" }), "pglite");
  assert.equal(driverOf({ url: "idb://astrocyte" }), "pglite");
  assert.equal(driverOf({}), "pglite");
  assert.throws(() => driverOf({ url: "mysql://h/db" }), ConfigError);
});

Deno.test("the vector store needs dimensions", () => {
  assert.throws(() => createPostgresVectorStore({ url: "memory://" }), ConfigError);
});

Deno.test("driver errors map to core errors without secrets", () => {
  const pgError = (code: string, message = "boom") => Object.assign(new Error(message), { code });
  const conn = translateError(pgError("08006"), "Querying");
  assert.ok(conn instanceof ProviderUnavailableError && conn.retryable);
  const deadlock = translateError(pgError("40P01"), "Querying");
  assert.ok(deadlock instanceof ProviderUnavailableError && deadlock.retryable);
  assert.ok(translateError(pgError("22P02"), "Querying") instanceof ValidationError);
  assert.ok(translateError(pgError("42501"), "Querying") instanceof ConfigError);
  const net = translateError(new TypeError("fetch failed"), "Querying");
  assert.ok(net instanceof ProviderUnavailableError && net.retryable);
  const http = translateError(new Error("Server error (HTTP status 503): down"), "Querying");
  assert.ok(http instanceof ProviderUnavailableError && http.retryable);
  const leak = translateError(
    new Error("could not connect to postgres://alice:hunter2@db.example/app"),
    "Opening",
  );
  assert.ok(!leak.message.includes("hunter2"), leak.message);
  assert.match(leak.message, /^\[astrocyte\/postgres\] Opening failed: /);
  assert.equal(redact("password=hunter2 host=x"), "password=*** host=x");
});

Deno.test("values are bound: array literals quote every element, statements stay under the parameter limit", () => {
  assert.equal(
    textArrayParam([`a"b`, "c\\d", "NULL", "", "{x,y}"]),
    `{"a\\"b","c\\\\d","NULL","","{x,y}"}`,
  );
  assert.equal(textArrayParam(undefined), null);
  const rows = Array.from(
    { length: 7000 },
    (_, i) => [String(i), i, null, "x", "y", "z", 1, 2, 3, 4, 5],
  );
  const statements = multiRowStatements("INSERT INTO t (a)", Array(11).fill("text"), rows, "");
  assert.equal(statements.length, 2);
  for (const s of statements) assert.ok(s.params!.length < 65_535);
  assert.equal(statements.reduce((n, s) => n + s.params!.length, 0), 7000 * 11);
  assert.match(codeUnitKey("id"), /^regexp_replace\(id, /);
});

Deno.test("postgresMigrationSql gives least-privilege deployments the DDL to run", () => {
  const sql = postgresMigrationSql({ dimensions: 384, schema: "mem", tablePrefix: "a_" });
  assert.match(sql, /CREATE EXTENSION IF NOT EXISTS vector/);
  assert.match(sql, /CREATE SCHEMA IF NOT EXISTS "mem"/);
  assert.match(sql, /"mem"\."a_vectors"/);
  assert.match(sql, /vector\(384\)/);
  assert.match(sql, /"mem"\."a_pi_facts"/);
  assert.throws(() => postgresMigrationSql({ schema: "bad name" }), ConfigError);
});

Deno.test("parsePostgresOptions: timeout_ms, max_retries and retry_base_ms (the Upstash vocabulary)", () => {
  const o = parsePostgresOptions({
    url: "postgres://u:p@h/db",
    timeout_ms: "0",
    max_retries: 5,
    retry_base_ms: "50",
  });
  assert.deepEqual(o, {
    url: "postgres://u:p@h/db",
    timeoutMs: 0,
    maxRetries: 5,
    retryBaseMs: 50,
  });
  for (
    const [key, value] of [
      ["timeout_ms", -1],
      ["timeout_ms", 3_600_001],
      ["max_retries", 21],
      ["max_retries", "two"],
      ["retry_base_ms", 60_001],
    ] as const
  ) {
    assert.throws(
      () => parsePostgresOptions({ [key]: value }, "cfg"),
      (e: unknown) => e instanceof ConfigError && e.message.includes(`cfg.${key}: expected`),
      `${key}: ${value}`,
    );
  }
  assert.throws(
    () => createPostgresVectorStore({ url: "memory://", dimensions: 3, maxRetries: 1.5 }),
    (e: unknown) => e instanceof ConfigError && e.message.includes("maxRetries"),
  );
});
