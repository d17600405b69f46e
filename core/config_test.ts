import assert from "node:assert/strict";
import { ConfigError } from "./errors.ts";
import { loadConfig, parseConfigYaml } from "./config.ts";
import { CONFIG_KEYS, configFromObject } from "./config_schema.ts";
import type { Logger } from "./spi/plugin.ts";

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (message) => warnings.push(message) };
}

/** Runs `fn`, asserts it throws a ConfigError, and returns the message. */
function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail("expected a ConfigError");
}

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url));

Deno.test("config: substitutes ${NAME} and ${NAME:-default} in every string value", () => {
  const config = loadConfig(
    `
vector_store: \${STORE}
vector_store_config:
  url: \${DB_URL:-file:local.db}
  auth_token: \${TOKEN:-}
  label: "prefix-\${A}-\${B}-suffix"
  nested:
    list:
      - \${A}
      - ["\${B}", plain, "\${MISSING:-fallback}"]
      - { deep: "\${A}\${A}" }
  port: \${PORT}
`,
    { env: { STORE: "libsql", A: "alpha", B: "beta", PORT: "8080", TOKEN: "" } },
  );
  assert.equal(config.vector_store, "libsql");
  assert.deepEqual(config.vector_store_config, {
    url: "file:local.db",
    auth_token: "",
    label: "prefix-alpha-beta-suffix",
    nested: { list: ["alpha", ["beta", "plain", "fallback"], { deep: "alphaalpha" }] },
    port: "8080", // substitution always yields strings; adapters parse their own options
  });
});

Deno.test("config: a default applies when the variable is empty; a set value wins", () => {
  const c = loadConfig("profile: ${P:-minimal}\ncompliance_profile: ${C:-gdpr}\n", {
    env: { P: "", C: "hipaa" },
  });
  assert.equal(c.profile, "minimal");
  assert.equal(c.compliance_profile, "hipaa");
});

Deno.test("config: $${...} is a literal ${...} and keys are never substituted", () => {
  const c = loadConfig(
    "llm_provider_config:\n  template: 'Hello $${NAME}, from ${WHO}'\n  ${KEY}: kept\n",
    { env: { WHO: "astrocyte", NAME: "should-not-appear", KEY: "nope" } },
  );
  assert.deepEqual(c.llm_provider_config, {
    template: "Hello ${NAME}, from astrocyte",
    "${KEY}": "kept",
  });
});

Deno.test("config: a variable's value is not re-expanded", () => {
  const c = loadConfig({ profile: "${A}" }, { env: { A: "${B}", B: "nope" } });
  assert.equal(c.profile, "${B}");
});

Deno.test("config: unresolved variables name path and variable, never a value", () => {
  const secret = "sk-live-THIS-MUST-NOT-LEAK-123";
  const message = configErrorOf(() =>
    loadConfig(
      `
vector_store: libsql
vector_store_config:
  url: \${LIBSQL_URL}
  auth_token: \${LIBSQL_AUTH_TOKEN:-${secret}}
llm_provider_config:
  api_key: \${OPENAI_API_KEY}
  keys:
    - \${OTHER}
    - \${MISSING_IN_LIST}
`,
      { env: { OPENAI_API_KEY: secret, OTHER: secret } },
    )
  );
  assert.match(message, /^\[astrocyte\/core\] Unresolved environment variables: /);
  assert.match(message, /vector_store_config\.url references \$\{LIBSQL_URL\}/);
  assert.match(message, /llm_provider_config\.keys\[1\] references \$\{MISSING_IN_LIST\}/);
  assert.doesNotMatch(message, /OPENAI_API_KEY|OTHER/);
  assert.ok(!message.includes(secret), "the secret leaked into the message");
  assert.ok(!message.endsWith("."), "messages have no trailing period");
});

Deno.test("config: a secret in env never appears in any config error", () => {
  const secret = "hunter2-SECRET-VALUE";
  const env = { API_KEY: secret, DIMS: secret, FLAG: secret, TIER: secret };
  const cases: [string, string | Record<string, unknown>][] = [
    ["unresolved", "llm_provider_config: { api_key: '${API_KEY}', other: '${NOPE}' }"],
    ["malformed", "llm_provider_config: { api_key: '${API_KEY}', bad: '${1X}' }"],
    ["wrong number", "homeostasis: { recall_max_tokens: '${DIMS}' }"],
    ["wrong boolean", "bm25_idf: { enabled: '${FLAG}' }"],
    ["wrong enum", "provider_tier: ${TIER}"],
    ["wrong type", { llm_provider_config: "${API_KEY}" }],
    ["age", "graph_store: age\nllm_provider_config: { api_key: '${API_KEY}' }"],
    ["yaml", "llm_provider_config:\n  api_key: " + secret + "\n  bad: [1, 2\n"],
  ];
  for (const [label, input] of cases) {
    const message = configErrorOf(() => loadConfig(input, { env }));
    assert.ok(!message.includes(secret), `${label}: the secret leaked: ${message}`);
  }
});

Deno.test("config: malformed references are an error naming the path", () => {
  for (const bad of ["${}", "${1ABC}", "${A B}", "${UNCLOSED", "x ${A-b}"]) {
    const message = configErrorOf(() =>
      loadConfig({ vector_store_config: { url: bad } }, { env: { A: "a" } })
    );
    assert.match(message, /Malformed variable reference at vector_store_config\.url/, bad);
  }
});

Deno.test("config: object input is substituted too, and the input is not mutated", () => {
  const input = { vector_store: "in_memory", vector_store_config: { dimensions: "${D}" } };
  const c = configFromObject(input, { env: { D: "3" } });
  assert.deepEqual(c.vector_store_config, { dimensions: "3" });
  assert.equal(input.vector_store_config.dimensions, "${D}");
});

Deno.test("config: YAML syntax errors are ConfigErrors with line and column", () => {
  const message = configErrorOf(() => loadConfig("provider_tier: storage\n  vector_store: x\n"));
  assert.match(message, /^\[astrocyte\/core\] Invalid YAML at line 2, column 15: /);
  const unclosed = configErrorOf(() => loadConfig("a: 1\nb: [1, 2\n"));
  assert.match(unclosed, /Invalid YAML at line 3, column 1/);
  const dup = configErrorOf(() => loadConfig("vector_store: a\nvector_store: b\n"));
  assert.match(dup, /line 2, column 1: duplicated mapping key/);
});

Deno.test("config: empty files, several documents and non-mapping roots", () => {
  assert.deepEqual(loadConfig(""), {});
  assert.deepEqual(loadConfig("# just a comment\n"), {});
  assert.deepEqual(loadConfig("---\n"), {});
  assert.match(configErrorOf(() => loadConfig("a: 1\n---\nb: 2\n")), /expected one document/);
  assert.match(
    configErrorOf(() => loadConfig("- 1\n- 2\n")),
    /mapping at the top level, got a list/,
  );
  assert.match(configErrorOf(() => loadConfig("42")), /got a number/);
  assert.match(
    configErrorOf(() => configFromObject([] as unknown as Record<string, unknown>)),
    /mapping at the top level/,
  );
});

Deno.test("config: wrong types for core keys name each path", () => {
  const one = configErrorOf(() => loadConfig("homeostasis:\n  recall_max_tokens: lots\n"));
  assert.equal(
    one,
    "[astrocyte/core] homeostasis.recall_max_tokens: expected a non-negative integer, got a string",
  );
  const many = configErrorOf(() =>
    loadConfig(`
provider_tier: hybrid
fallback_strategy: retry
vector_store: 42
vector_store_config: [1, 2]
bm25_idf: { enabled: "yes" }
tiered_retrieval: { max_tier: 9, full_recall: other }
banks:
  b1:
    homeostasis: { reflect_max_tokens: -1 }
    access: nope
access_grants: { not: a list }
profile: [a]
`)
  );
  for (
    const expected of [
      "Invalid config (11 problems)",
      'provider_tier: expected "storage" or "engine", got a string',
      'fallback_strategy: expected "error", "local_llm" or "degrade", got a string',
      "vector_store: expected an adapter key (a non-empty string), got a number",
      "vector_store_config: expected a mapping of adapter options, got a list",
      "bm25_idf.enabled: expected a boolean, got a string",
      "tiered_retrieval.max_tier: expected an integer from 0 to 4, got a number",
      'tiered_retrieval.full_recall: expected "pipeline" or "hybrid", got a string',
      "banks.b1.homeostasis.reflect_max_tokens: expected a non-negative integer, got a number",
      "banks.b1.access: expected a list, got a string",
      "access_grants: expected a list, got a mapping",
      "profile: expected a string, got a list",
    ]
  ) {
    assert.ok(many.includes(expected), `missing "${expected}" in: ${many}`);
  }
});

Deno.test("config: numbers and booleans from ${VAR} are accepted for core keys", () => {
  const c = loadConfig(
    "homeostasis:\n  recall_max_tokens: ${T}\nbm25_idf:\n  enabled: ${ON:-TRUE}\n",
    { env: { T: "2048" } },
  );
  assert.equal(c.homeostasis?.recall_max_tokens, 2048);
  assert.equal(c.bm25_idf?.enabled, true);
  // A quoted literal is a string the user wrote, not a variable: still an error.
  assert.match(
    configErrorOf(() => loadConfig('homeostasis:\n  recall_max_tokens: "2048"\n')),
    /recall_max_tokens: expected a non-negative integer/,
  );
});

Deno.test("config: adapter *_config values pass through as written", () => {
  const c = loadConfig(`
vector_store: libsql
vector_store_config:
  dimensions: "384"
  ann_index: auto
  headers: { x-trace: "1" }
  empty: null
`);
  assert.deepEqual(c.vector_store_config, {
    dimensions: "384",
    ann_index: "auto",
    headers: { "x-trace": "1" },
    empty: null,
  });
});

Deno.test("config: graph_store: age is rejected as upstream", () => {
  const message = configErrorOf(() => loadConfig("graph_store: age\n"));
  assert.match(message, /graph_store: Apache AGE support was removed/);
});

Deno.test("config: unknown top-level keys warn through the logger and are dropped", () => {
  const logger = recordingLogger();
  const c = loadConfig("vector_stor: in_memory\nmy_custom_thing: 1\nllm_provider: mock\n", {
    logger,
  });
  assert.deepEqual(c, { llm_provider: "mock" });
  assert.equal(logger.warnings.length, 2);
  assert.match(
    logger.warnings[0]!,
    /Unknown config key "vector_stor" is ignored; did you mean "vector_store"\?/,
  );
  assert.match(logger.warnings[1]!, /Unknown config key "my_custom_thing" is ignored$/);
});

Deno.test("config: null keys count as absent; mip is normalised to mip_config_path", () => {
  const logger = recordingLogger();
  const c = loadConfig("vector_store:\ngraph_store: null\nmip: ./mip.yaml\nbanks: ~\n", { logger });
  assert.deepEqual(c, { mip_config_path: "./mip.yaml" });
  assert.equal(logger.warnings.length, 0);
});

Deno.test("config: __proto__ keys stay data and never pollute prototypes", () => {
  const c = loadConfig("vector_store_config:\n  __proto__: { polluted: yes }\n  a: 1\n");
  const options = c.vector_store_config as Record<string, unknown>;
  assert.ok(Object.hasOwn(options, "__proto__"));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(options), Object.prototype);
});

Deno.test("config: every upstream top-level key is known", () => {
  for (
    const key of [
      "provider_tier",
      "profile",
      "compliance_profile",
      "provider",
      "provider_config",
      "vector_store",
      "graph_store",
      "document_store",
      "wiki_store",
      "mental_model_store_config",
      "source_store",
      "pageindex_store",
      "llm_provider",
      "embedding_provider",
      "embedding_provider_config",
      "fallback_strategy",
      "homeostasis",
      "bm25_idf",
      "source_aware_retrieval",
      "tiered_retrieval",
      "entity_resolution",
      "banks",
      "access_grants",
      "sources",
      "agents",
      "deployment",
      "extraction_profiles",
      "barriers",
      "signal_quality",
      "escalation",
      "recall_authority",
      "lifecycle",
      "dlp",
      "mcp",
      "mip_config_path",
    ]
  ) {
    assert.ok(CONFIG_KEYS.includes(key), key);
  }
});

Deno.test("config: upstream-style example files parse", () => {
  const logger = recordingLogger();
  const minimal = loadConfig(fixture("tier1_minimal.yaml"), { logger });
  assert.equal(minimal.provider_tier, "storage");
  assert.equal(minimal.vector_store, "in_memory");
  assert.deepEqual(minimal.barriers, { pii: { mode: "disabled" } });

  const env = { DATABASE_URL: "postgres://u:p@localhost/db", OPENAI_API_KEY: "sk-test" };
  const pg = loadConfig(fixture("tier1_postgres.yaml"), { env, logger });
  assert.equal(pg.vector_store, "postgres");
  assert.equal(pg.vector_store_config?.dsn, env.DATABASE_URL);
  assert.equal(pg.vector_store_config?.embedding_dimensions, 128);
  assert.equal(pg.llm_provider_config?.model, "gpt-4o-mini");
  assert.equal(pg.homeostasis?.reflect_max_tokens, 8192);
  assert.deepEqual(pg.homeostasis?.rate_limits, { retain_per_minute: 120 });
  assert.equal(pg.fallback_strategy, "degrade");
  assert.equal(pg.source_aware_retrieval?.expansion_max_per_hit, 4);
  assert.equal(pg.banks?.["user-123"]?.homeostasis?.recall_max_tokens, 2048);
  assert.deepEqual(pg.access_grants?.[0]?.permissions, ["read", "write"]);
  assert.equal(pg.mip_config_path, "./mip.yaml");
  for (const key of ["wiki_store", "mental_model_store", "source_store", "pageindex_store"]) {
    assert.equal((pg as Record<string, unknown>)[key], "postgres");
  }

  const engine = loadConfig(fixture("tier2_engine.yaml"), { logger });
  assert.equal(engine.provider_tier, "engine");
  assert.equal(engine.provider, "in_memory");
  assert.deepEqual(engine.provider_config, { supports_reflect: false });
  assert.equal(engine.fallback_strategy, "local_llm");
  assert.equal(engine.sources?.demo?.type, "webhook");
  assert.deepEqual(engine.deployment, { mode: "standalone", port: 8080 });
  assert.deepEqual(logger.warnings, []);
});

Deno.test("config: the postgres example without its env names every missing variable", () => {
  const message = configErrorOf(() => loadConfig(fixture("tier1_postgres.yaml"), { env: {} }));
  for (
    const ref of [
      "vector_store_config.dsn references ${DATABASE_URL}",
      "document_store_config.dsn references ${DATABASE_URL}",
      "llm_provider_config.api_key references ${OPENAI_API_KEY}",
      "embedding_provider_config.api_key references ${OPENAI_API_KEY}",
    ]
  ) {
    assert.ok(message.includes(ref), ref);
  }
  assert.ok(!message.includes("REFLECT_MAX_TOKENS"), "variables with defaults are resolved");
});

Deno.test("config: parseConfigYaml returns the raw mapping", () => {
  assert.deepEqual(parseConfigYaml("a: ${X}\nb: [1, true, null]\n"), {
    a: "${X}",
    b: [1, true, null],
  });
});

Deno.test("config: a recursive alias bomb is stopped", () => {
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 9; i++) {
    lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
  }
  const message = configErrorOf(() => loadConfig(lines.join("\n")));
  assert.match(message, /too large|alias/i);
});
