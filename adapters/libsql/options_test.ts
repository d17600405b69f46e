import assert from "node:assert/strict";
import { ConfigError } from "@astrocyte/core";
import {
  annIndexSettings,
  connectionKind,
  parseLibsqlOptions,
  toFtsQuery,
  validateLibsqlOptions,
} from "./mod.ts";

Deno.test("parseLibsqlOptions: snake_case keys, strings from ${VAR} substitution", () => {
  const warnings: string[] = [];
  const o = parseLibsqlOptions({
    url: "libsql://db.turso.io",
    auth_token: "tok",
    dimensions: "384",
    table_prefix: "mem_",
    create_schema: "false",
    ann_index: "always",
    ann_threshold: 1000,
    exact_scan_limit: "10",
    max_neighbors: 16,
    compress_neighbors: "float1bit",
    alpha: "1.4",
    search_l: 100,
    insert_l: 50,
    unknown_key: 1,
  }, { field: "vector_store_config", logger: { warn: (m) => warnings.push(m) } });
  assert.deepStrictEqual(o, {
    url: "libsql://db.turso.io",
    authToken: "tok",
    dimensions: 384,
    tablePrefix: "mem_",
    createSchema: false,
    annIndex: "always",
    annThreshold: 1000,
    exactScanLimit: 10,
    maxNeighbors: 16,
    compressNeighbors: "float1bit",
    alpha: 1.4,
    searchL: 100,
    insertL: 50,
  });
  assert.deepStrictEqual(warnings, [
    "[astrocyte/libsql] vector_store_config.unknown_key: unknown option, ignored",
  ]);
  assert.deepStrictEqual(
    annIndexSettings(o),
    [
      "metric=cosine",
      "max_neighbors=16",
      "compress_neighbors=float1bit",
      "alpha=1.4",
      "search_l=100",
      "insert_l=50",
    ],
  );
});

Deno.test("parseLibsqlOptions: env fallbacks; the env token only goes with the env URL", () => {
  const env = { LIBSQL_URL: "https://a.example", LIBSQL_AUTH_TOKEN: "secret" };
  assert.deepStrictEqual(parseLibsqlOptions({}, { env }), {
    url: "https://a.example",
    authToken: "secret",
  });
  assert.deepStrictEqual(parseLibsqlOptions({ url: "https://b.example" }, { env }), {
    url: "https://b.example",
  });
  assert.deepStrictEqual(parseLibsqlOptions({ url: "file:x.db", auth_token: "" }, { env }), {
    url: "file:x.db",
  });
});

Deno.test("parseLibsqlOptions: clear errors naming the key", () => {
  const bad: [Record<string, unknown>, string][] = [
    [{}, "libsql.url: expected a string"],
    [{ url: 5 }, "libsql.url: expected a string"],
    [{ url: "postgres://x" }, "libsql.url: expected a file:"],
    [{ url: "file:x", dimensions: 0 }, "libsql.dimensions: expected an integer ≥ 1"],
    [{ url: "file:x", dimensions: 1.5 }, "libsql.dimensions"],
    [{ url: "file:x", table_prefix: "x; drop" }, "libsql.table_prefix: expected an identifier"],
    [{ url: "file:x", table_prefix: "1abc" }, "libsql.table_prefix"],
    [{ url: "file:x", table_prefix: 'a"b' }, "libsql.table_prefix"],
    [{ url: "file:x", create_schema: "maybe" }, "libsql.create_schema: expected true or false"],
    [{ url: "file:x", ann_index: "sometimes" }, "libsql.ann_index: expected one of auto"],
    [{ url: "file:x", compress_neighbors: "float4" }, "libsql.compress_neighbors"],
    [{ url: "file:x", alpha: 0.5 }, "libsql.alpha: expected a number ≥ 1"],
    [{ url: "file:x", auth_token: 3 }, "libsql.auth_token: expected a string"],
  ];
  for (const [config, message] of bad) {
    assert.throws(
      () => parseLibsqlOptions(config),
      (e: unknown) =>
        e instanceof ConfigError && e.message.startsWith(`[astrocyte/libsql] ${message}`),
      JSON.stringify(config),
    );
  }
  assert.throws(() => parseLibsqlOptions(null as never), ConfigError);
});

Deno.test("connectionKind: the client entry follows the URL scheme", () => {
  assert.equal(connectionKind("file:.astrocyte/memory.db"), "local");
  assert.equal(connectionKind(":memory:"), "local");
  for (
    const u of ["libsql://x.turso.io", "http://127.0.0.1:8080", "https://x", "ws://x", "wss://x"]
  ) {
    assert.equal(connectionKind(u), "remote", u);
  }
  assert.throws(() => connectionKind("sqlite:x.db"), ConfigError);
});

Deno.test("toFtsQuery: every word is a quoted FTS5 string, syntax is text", () => {
  assert.equal(toFtsQuery("Dark mode?"), `"dark" OR "mode"`);
  assert.equal(
    toFtsQuery(`a"b NEAR(c) col:umn *`),
    `"a" OR "b" OR "near" OR "c" OR "col" OR "umn"`,
  );
  assert.equal(toFtsQuery("  ?!  "), null);
  assert.equal(toFtsQuery("ünïcødé 银行"), `"ünïcødé" OR "银行"`);
});

Deno.test("parseLibsqlOptions: timeout_ms, max_retries and retry_base_ms (the Upstash vocabulary)", () => {
  const o = parseLibsqlOptions({
    url: "https://db.example",
    timeout_ms: "0",
    max_retries: 5,
    retry_base_ms: "50",
  });
  assert.deepStrictEqual(o, {
    url: "https://db.example",
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
      ["retry_base_ms", 1.5],
    ] as const
  ) {
    assert.throws(
      () => parseLibsqlOptions({ url: "https://db.example", [key]: value }, { field: "cfg" }),
      (e: unknown) => e instanceof ConfigError && e.message.includes(`cfg.${key}: expected`),
      `${key}: ${value}`,
    );
  }
  assert.throws(
    () => validateLibsqlOptions({ url: "https://db.example", maxRetries: -1 }),
    (e: unknown) => e instanceof ConfigError && e.message.includes("options.max_retries"),
  );
});
