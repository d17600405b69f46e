/**
 * Upstash adapter specifics, against the in-process emulator: namespace mapping, value
 * encoding and filter translation, options and plugin, request counts and chunking, bounded
 * concurrency, retries, timeouts, non-atomic batches (`writtenIds`), eventual indexing, the
 * filter-budget fallback, and error handling.
 */
import assert from "node:assert/strict";
import {
  ConfigError,
  ProviderUnavailableError,
  ValidationError,
  type VectorItem,
} from "@astrocyte/core";
import { assertRejectsWith, seededVector } from "@astrocyte/core/testing";
import {
  serveUpstashEmulator,
  type UpstashEmulatorOptions,
} from "../../tests/fixtures/upstash_emulator.ts";
import {
  decodeKey,
  decodeString,
  decodeValue,
  encodeKey,
  encodeString,
  encodeValue,
  isFilterSafe,
  translateFilters,
} from "./_codec.ts";
import {
  bankIdToNamespace,
  createUpstashVectorStore,
  escapeBankId,
  namespaceToBankId,
  parseUpstashOptions,
  unescapeBankId,
  upstash,
  type UpstashOptions,
} from "./mod.ts";

const D = 4;
const T = { sanitizeOps: false, sanitizeResources: false };

/** A served emulator plus a store factory bound to it; disposed at the end of the test. */
async function withEmulator(
  emulatorOptions: UpstashEmulatorOptions,
  fn: (
    env: ReturnType<typeof serveUpstashEmulator> & {
      store: (o?: UpstashOptions, fetchImpl?: typeof fetch) => ReturnType<
        typeof createUpstashVectorStore
      >;
    },
  ) => Promise<void>,
): Promise<void> {
  const served = serveUpstashEmulator({ dimension: D, ...emulatorOptions });
  const stores: { close(): Promise<void> }[] = [];
  try {
    await fn(Object.assign(served, {
      store: (o: UpstashOptions = {}, fetchImpl?: typeof fetch) => {
        const s = createUpstashVectorStore(
          { url: served.url, token: served.token, retryBaseMs: 1, ...o },
          fetchImpl ? { fetch: fetchImpl } : {},
        );
        stores.push(s);
        return s;
      },
    }));
  } finally {
    for (const s of stores) await s.close();
    await served.close();
  }
}

const items = (n: number, bankId: string, extra: Partial<VectorItem> = {}): VectorItem[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `id-${String(i).padStart(5, "0")}`,
    bankId,
    vector: seededVector(D, i + 1),
    text: `t${i}`,
    ...extra,
  }));

/** Random strings over a nasty alphabet, including lone surrogates. */
function randomStrings(n: number, seed = 1): string[] {
  const alphabet = [
    "a",
    "Z",
    "0",
    "_",
    "-",
    ".",
    "~",
    "%",
    "'",
    '"',
    "\\",
    " ",
    "\n",
    "\u0000",
    "é",
    "银",
    "🧠",
    "\ud800",
    "\udfff",
    ":",
    "/",
    "?",
    "#",
    "[",
    "]",
    "*",
  ];
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, () => {
    const len = 1 + Math.floor(rnd() * 12);
    let s = "";
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  });
}

// ------------------------------------------------------------------------------------------
// Pure functions
// ------------------------------------------------------------------------------------------

Deno.test("namespace mapping: documented examples, URL-safe, reversible, collision-free", () => {
  assert.equal(bankIdToNamespace("user-123"), "user-123");
  assert.equal(bankIdToNamespace("user:42", "astro_"), "astro_user~3A42");
  assert.equal(escapeBankId("a.b"), "a~2Eb");
  assert.equal(escapeBankId("é"), "~C3~A9");
  assert.equal(escapeBankId("~"), "~7E");
  assert.equal(escapeBankId("\ud800"), "~uD800");
  const inputs = [...new Set(randomStrings(3000))];
  const seen = new Map<string, string>();
  for (const bank of inputs) {
    const ns = bankIdToNamespace(bank, "p_");
    assert.match(ns, /^[A-Za-z0-9_~-]+$/, `URL-safe: ${JSON.stringify(bank)}`);
    assert.equal(namespaceToBankId(ns, "p_"), bank, `reversible: ${JSON.stringify(bank)}`);
    assert.equal(unescapeBankId(escapeBankId(bank)), bank);
    const other = seen.get(ns);
    assert.ok(other === undefined, `collision: ${JSON.stringify(bank)} / ${JSON.stringify(other)}`);
    seen.set(ns, bank);
  }
  assert.equal(namespaceToBankId("other_x", "p_"), null, "foreign prefix");
  assert.equal(namespaceToBankId("p_~41", "p_"), null, "non-canonical escape");
  assert.equal(namespaceToBankId("p_", "p_"), null, "empty bank id");
  assert.equal(namespaceToBankId("p_a~ZZ", "p_"), null, "invalid escape");
});

Deno.test("value encoding: filter-safe strings kept, others reversible, types preserved", () => {
  assert.equal(encodeString("plain tag ünï 🧠 *?[]"), "plain tag ünï 🧠 *?[]");
  for (const s of ["it's", 'say "hi"', "a\\b", "", "~x", "x\ny", "\ud800"]) {
    assert.ok(!isFilterSafe(s));
    assert.match(encodeString(s), /^~u:[A-Za-z0-9_-]*$/);
  }
  for (const s of randomStrings(2000, 7)) {
    assert.equal(decodeString(encodeString(s)), s, JSON.stringify(s));
    assert.ok(isFilterSafe(encodeString(s)) || encodeString(s).startsWith("~u:"));
    assert.equal(decodeKey(encodeKey(s)), s, JSON.stringify(s));
    assert.match(encodeKey(s), /^[a-zA-Z_][a-zA-Z0-9_]*$/);
  }
  const values = ["1", 1, true, "true", null, "~z", 0.1, -0, 1e21, 5e-7, -3, "", false];
  const encoded = values.map(encodeValue);
  assert.equal(new Set(encoded.map((v) => JSON.stringify(v))).size, values.length, "injective");
  for (const v of values) {
    const stored = JSON.parse(JSON.stringify(encodeValue(v))); // what the service keeps
    assert.ok(decodeValue(stored) === v, `round trip of ${String(v)}`);
  }
  assert.equal(encodeValue(1e21), "~n:1e+21");
  assert.equal(encodeValue(42), 42);
  assert.equal(encodeKey("session_id"), "session_id");
  assert.equal(encodeKey("a.b"), "_0061002e0062");
});

Deno.test("filter translation: every field, literals quoted, nothing needs escaping", () => {
  const f = translateFilters({
    tags: ["a", "it's", "a"],
    factTypes: ["world", 'x"y'],
    timeRange: { start: new Date(1000), end: new Date(2000) },
    asOf: new Date(3000),
    sessionId: "s-1",
    metadataFilters: { k: "v", n: 1.5, b: false, z: null, "odd key": "x" },
  });
  assert.equal(
    f,
    "(tags CONTAINS 'a' OR tags CONTAINS '~u:AGkAdAAnAHM') AND " +
      "fact_type IN ('world', '~u:AHgAIgB5') AND occurred_at >= 1000 AND occurred_at <= 2000 AND " +
      "retained_at <= 3000 AND metadata.session_id = 's-1' AND metadata.k = 'v' AND " +
      "metadata.n = 1.5 AND metadata.b = '~b:0' AND metadata.z = '~z' AND " +
      "metadata._006f006400640020006b00650079 = 'x'",
  );
  assert.equal(translateFilters(undefined), undefined);
  assert.equal(translateFilters({}), undefined);
  assert.equal(translateFilters({ metadataFilters: {} }), undefined);
  assert.equal(translateFilters({ tags: [] }), false);
  assert.equal(translateFilters({ factTypes: [] }), false);
  assert.equal(translateFilters({ timeRange: { start: new Date(2), end: new Date(1) } }), false);
});

Deno.test("options: snake_case parsing, string coercion, errors name the key", () => {
  const warnings: string[] = [];
  const o = parseUpstashOptions(
    {
      url: "https://x-vector.upstash.io/",
      token: "tok",
      dimensions: "384",
      metric: "dot_product",
      namespace_prefix: "app_",
      read_your_writes: "false",
      batch_size: 500,
      bogus: 1,
    },
    { warn: (m) => warnings.push(m) },
  );
  assert.deepEqual(o, {
    url: "https://x-vector.upstash.io",
    token: "tok",
    dimensions: 384,
    metric: "DOT_PRODUCT",
    namespacePrefix: "app_",
    readYourWrites: false,
    batchSize: 500,
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /vector_store_config\.bogus/);
  assert.throws(
    () => parseUpstashOptions({ batch_size: 5000 }),
    (e: Error) => e instanceof ConfigError && /vector_store_config\.batch_size:/.test(e.message),
  );
  assert.throws(
    () => parseUpstashOptions({ namespace_prefix: "a/b" }),
    (e: Error) => e instanceof ConfigError && /namespace_prefix/.test(e.message),
  );
  assert.throws(() => parseUpstashOptions({ metric: "L2" }), ConfigError);
  assert.throws(() => parseUpstashOptions({ url: "ftp://x" }), ConfigError);
});

Deno.test("store creation: url/token from env, clear errors that never show the token", () => {
  const secret = "s3cr3t-token";
  assert.throws(
    () => createUpstashVectorStore({}, { env: { UPSTASH_VECTOR_REST_TOKEN: secret } }),
    (e: Error) => e instanceof ConfigError && /UPSTASH_VECTOR_REST_URL/.test(e.message),
  );
  assert.throws(
    () => createUpstashVectorStore({}, { env: { UPSTASH_VECTOR_REST_URL: "https://x" } }),
    (e: Error) => e instanceof ConfigError && /UPSTASH_VECTOR_REST_TOKEN/.test(e.message),
  );
  const s = createUpstashVectorStore({ dimensions: 3 }, {
    env: { UPSTASH_VECTOR_REST_URL: "https://x.upstash.io", UPSTASH_VECTOR_REST_TOKEN: secret },
  });
  assert.equal(s.capabilities.dimensions, 3);
  assert.equal(s.capabilities.consistency, "strong");
  assert.equal(s.capabilities.maxBatchSize, 1000);
  assert.equal(s.capabilities.atomicBatches !== true, true);
  assert.equal(s.namespaceOf("a b"), "a~20b");
});

Deno.test({
  name: "plugin: key, version, import hint; builds a store from config and env",
  ...T,
  async fn() {
    assert.equal(upstash.name, "upstash");
    assert.equal(upstash.spiVersion, 1);
    assert.equal(upstash.importHint, 'import { upstash } from "@astrocyte/upstash"');
    await withEmulator({}, async ({ url, token }) => {
      let calls = 0;
      const store = await upstash.vectorStore!({ dimensions: String(D), namespace_prefix: "pl_" }, {
        fetch: (input, init) => (calls++, fetch(input, init)),
        env: { UPSTASH_VECTOR_REST_URL: url, UPSTASH_VECTOR_REST_TOKEN: token },
        shared: new Map(),
      });
      await store.storeVectors(items(3, "b"));
      assert.equal((await store.listVectors("b")).length, 3);
      assert.ok(calls > 0, "requests go through the context's fetch");
      await store.close();
    });
  },
});

// ------------------------------------------------------------------------------------------
// Against the emulator
// ------------------------------------------------------------------------------------------

Deno.test({
  name: "request counting: storeVectors of 2,500 items takes ceil(2500/limit) upserts",
  ...T,
  async fn() {
    await withEmulator({}, async ({ emulator, store }) => {
      const s = store();
      await s.storeVectors(items(2500, "bank"));
      assert.equal(emulator.count("upsert"), Math.ceil(2500 / 1000));
      assert.ok(
        emulator.requests.filter((r) => r.endpoint === "upsert").every((r) => r.items <= 1000),
      );
      assert.equal((await s.listVectors("bank", { limit: 5000 })).length, 2500);

      emulator.clear();
      const small = store({ batchSize: 300 });
      await small.storeVectors(items(2500, "other"));
      assert.equal(emulator.count("upsert"), Math.ceil(2500 / 300));

      emulator.clear();
      await s.storeVectors([...items(1500, "x"), ...items(10, "y")]);
      assert.equal(emulator.count("upsert"), 3, "chunked per bank: 1000 + 500 + 10");
    });
  },
});

Deno.test({
  name: "concurrency: at most max_concurrency requests in flight",
  ...T,
  async fn() {
    await withEmulator({}, async ({ store }) => {
      let inFlight = 0, peak = 0;
      const counting: typeof fetch = async (input, init) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        try {
          return await fetch(input, init);
        } finally {
          inFlight--;
        }
      };
      const s = store({ batchSize: 10, maxConcurrency: 3 }, counting);
      await s.storeVectors(items(200, "b"));
      assert.equal(peak, 3);
    });
  },
});

Deno.test({
  name: "retries: 429 and 5xx are retried with backoff; 4xx is not; exhaustion is retryable",
  ...T,
  async fn() {
    await withEmulator({}, async ({ emulator, store }) => {
      const s = store({ maxRetries: 3 });
      await s.storeVectors(items(1, "warm"));
      emulator.fail({ endpoint: "upsert", status: 429, count: 1 });
      emulator.fail({ endpoint: "upsert", status: 503, count: 1 });
      const before = s.stats.retries;
      await s.storeVectors(items(5, "b"));
      assert.equal(s.stats.retries - before, 2);
      assert.equal((await s.listVectors("b")).length, 5);

      emulator.fail({ endpoint: "query", status: 500, count: 4 }); // 1 attempt + 3 retries
      const e = await assertRejectsWith(
        () => s.searchSimilar(seededVector(D, 1), "b"),
        ProviderUnavailableError,
        "HTTP 500",
      ) as ProviderUnavailableError;
      assert.equal(e.retryable, true);

      emulator.fail({ endpoint: "query", status: 400, count: 1 });
      const attempts = s.stats.attempts;
      await assertRejectsWith(() => s.searchSimilar(seededVector(D, 1), "b"), ValidationError);
      assert.equal(s.stats.attempts - attempts, 1, "no retry on 400");
    });
  },
});

Deno.test({
  name: "non-atomic batches: a failed chunk reports writtenIds; retrying the call is idempotent",
  ...T,
  async fn() {
    await withEmulator({}, async ({ emulator, store }) => {
      const s = store({ batchSize: 10, maxConcurrency: 1, maxRetries: 1 });
      await s.storeVectors(items(1, "warm"));
      const batch = items(35, "b");
      emulator.requests.length = 0;
      // Let two upserts through, then fail the third (and its retry).
      let seen = 0;
      const orig = emulator.handler;
      const gate = (req: Request): Promise<Response> => {
        if (new URL(req.url).pathname.startsWith("/upsert/") && ++seen === 3) {
          emulator.fail({ endpoint: "upsert", status: 503, count: 2 });
        }
        return orig(req);
      };
      const s2 = store(
        { batchSize: 10, maxConcurrency: 1, maxRetries: 1 },
        (input, init) => gate(new Request(input, init)),
      );
      const e = await assertRejectsWith(
        () => s2.storeVectors(batch),
        ProviderUnavailableError,
        "after writing 20 of 35",
      ) as ProviderUnavailableError;
      assert.deepEqual(e.writtenIds, batch.slice(0, 20).map((it) => it.id));
      assert.equal(e.retryable, true);
      assert.equal((await s.listVectors("b", { limit: 100 })).length, 20);
      assert.deepEqual(await s.storeVectors(batch), batch.map((it) => it.id));
      assert.equal((await s.listVectors("b", { limit: 100 })).length, 35);
    });
  },
});

Deno.test({
  name: "timeouts: a hanging request is aborted and reported as retryable",
  ...T,
  async fn() {
    await withEmulator({}, async ({ store }) => {
      const hanging: typeof fetch = (input, init) => {
        if (String(input).includes("/query/")) {
          return new Promise((_, reject) =>
            init!.signal!.addEventListener("abort", () => reject(init!.signal!.reason))
          );
        }
        return fetch(input, init);
      };
      const s = store({ timeoutMs: 30, maxRetries: 1 }, hanging);
      await s.storeVectors(items(2, "b"));
      const t0 = performance.now();
      const e = await assertRejectsWith(
        () => s.searchSimilar(seededVector(D, 1), "b"),
        ProviderUnavailableError,
        "timed out after 30 ms",
      ) as ProviderUnavailableError;
      assert.equal(e.retryable, true);
      assert.ok(performance.now() - t0 < 5000);
      assert.equal(s.stats.retries, 1);
    });
  },
});

Deno.test({
  name: "eventual indexing: read_your_writes waits for pending vectors; off means eventual",
  ...T,
  async fn() {
    await withEmulator({ indexingDelayMs: 40 }, async ({ emulator, store }) => {
      const s = store();
      await s.storeVectors(items(3, "b"));
      assert.equal((await s.searchSimilar(seededVector(D, 1), "b")).length, 3);
      assert.ok(emulator.count("info") >= 2, "polled info until nothing was pending");
      assert.equal(await s.delete(["id-00000"], "b"), 1);
      assert.equal((await s.searchSimilar(seededVector(D, 1), "b")).length, 2);
    });
    await withEmulator({ indexingDelayMs: 60_000 }, async ({ store }) => {
      const s = store({ readYourWrites: false, exactFilterFallback: false });
      assert.equal(s.capabilities.consistency, "eventual");
      await s.storeVectors(items(3, "b"));
      assert.equal((await s.searchSimilar(seededVector(D, 1), "b")).length, 0, "not yet indexed");
      assert.equal((await s.listVectors("b")).length, 3, "range sees committed writes");
    });
  },
});

Deno.test({
  name: "filter budget: fewer-than-asked filtered results are completed by an exact scan",
  ...T,
  async fn() {
    await withEmulator({ filterBudget: 4 }, async ({ emulator, store }) => {
      const near = items(40, "b", { tags: ["noise"] }).map((it) => ({
        ...it,
        vector: [1, 0.01 * Number(it.id.slice(3)), 0, 0],
      }));
      const rare = ["r1", "r2", "r3"].map((id, i) => ({
        id,
        bankId: "b",
        vector: [0, 1, i, 1],
        text: id,
        tags: ["rare"],
      }));
      const q = [1, 0, 0, 0];
      const withFallback = store();
      await withFallback.storeVectors([...near, ...rare]);
      const hits = await withFallback.searchSimilar(q, "b", {
        limit: 10,
        filters: { tags: ["rare"] },
      });
      assert.deepEqual(hits.map((h) => h.id).sort(), ["r1", "r2", "r3"]);
      assert.ok(emulator.count("range") >= 1);
      const without = store({ exactFilterFallback: false });
      const partial = await without.searchSimilar(q, "b", {
        limit: 10,
        filters: { tags: ["rare"] },
      });
      assert.equal(partial.length, 0, "the emulated budget hides matches from the plain query");
    });
  },
});

Deno.test({
  name: "ties at the limit boundary are resolved by id even when the service orders them otherwise",
  ...T,
  async fn() {
    await withEmulator({}, async ({ store }) => {
      const s = store();
      const v = [1, 1, 0, 0];
      // Inserted in descending id order: the emulator returns ties in insertion order.
      const ids = Array.from({ length: 30 }, (_, i) => `k${String(29 - i).padStart(2, "0")}`);
      await s.storeVectors(ids.map((id) => ({ id, bankId: "b", vector: v, text: id })));
      const hits = await s.searchSimilar(v, "b", { limit: 5 });
      assert.deepEqual(hits.map((h) => h.id), ["k00", "k01", "k02", "k03", "k04"]);
    });
  },
});

Deno.test({
  name: "index checks: dimension and metric mismatches and non-dense indexes are config errors",
  ...T,
  async fn() {
    await withEmulator({}, async ({ store }) => {
      await assertRejectsWith(
        () =>
          store({ dimensions: D + 1 }).storeVectors([
            { id: "a", bankId: "b", vector: seededVector(D + 1, 1), text: "" },
          ]),
        ConfigError,
        "Dimension mismatch: dimensions is 5 but the index has 4",
      );
      await assertRejectsWith(
        () => store({ metric: "EUCLIDEAN" }).searchSimilar(seededVector(D, 1), "b"),
        ConfigError,
        "Metric mismatch",
      );
      const auto = store();
      assert.equal(auto.capabilities.dimensions, null);
      await auto.searchSimilar(seededVector(D, 1), "b");
      assert.equal(auto.capabilities.dimensions, D, "read from the index");
    });
    await withEmulator({ indexType: "SPARSE" }, async ({ store }) => {
      await assertRejectsWith(
        () => store().listVectors("b").then(() => store().storeVectors(items(1, "b"))),
        ConfigError,
        "needs a DENSE index",
      );
    });
  },
});

Deno.test({
  name:
    "errors: bad token is unhealthy and never echoed; oversized metadata fails before any request; closed store",
  ...T,
  async fn() {
    await withEmulator({}, async ({ emulator, url, store }) => {
      const bad = createUpstashVectorStore({ url, token: "wrong-secret-token", maxRetries: 0 });
      const h = await bad.health();
      assert.equal(h.healthy, false);
      assert.ok(!h.message!.includes("wrong-secret-token"));
      const e = await assertRejectsWith(
        () => bad.listVectors("b"),
        ProviderUnavailableError,
        "401",
      );
      assert.ok(!e.message.includes("wrong-secret-token"));
      await bad.close();

      const s = store();
      assert.equal((await s.health()).healthy, true);
      await s.storeVectors(items(1, "warm"));
      emulator.requests.length = 0;
      await assertRejectsWith(
        () =>
          s.storeVectors([...items(3, "b"), {
            ...items(1, "b")[0]!,
            id: "big",
            metadata: { x: "y".repeat(60_000) },
          }]),
        ValidationError,
        "Upstash allows 49152",
      );
      assert.equal(emulator.count("upsert"), 0, "nothing was sent");

      assert.equal(await s.deleteBank("never-existed"), 0);
      await s.storeVectors([...items(2, "bank:1"), ...items(1, "bank/2")]);
      const banks = await s.listBanks();
      assert.ok(banks.includes("bank:1") && banks.includes("bank/2"), JSON.stringify(banks));
      assert.equal(await s.deleteBank("bank:1"), 2);
      assert.ok(!(await s.listBanks()).includes("bank:1"));

      await s.close();
      await s.close();
      await assertRejectsWith(() => s.listVectors("b"), ProviderUnavailableError, "closed");
      assert.equal((await s.health()).healthy, false);
    });
  },
});

Deno.test({
  name: "wire format: hostile filter values never reach the filter string unencoded",
  ...T,
  async fn() {
    await withEmulator({}, async ({ store }) => {
      const filters: string[] = [];
      const spy: typeof fetch = async (input, init) => {
        const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
        if (body && typeof body.filter === "string") filters.push(body.filter);
        return await fetch(input, init);
      };
      const s = store({}, spy);
      const hostile = `it's "x" AND 1=1`;
      await s.storeVectors([{
        id: "h",
        bankId: "b",
        vector: [1, 0, 0, 0],
        text: "h",
        tags: [hostile],
      }]);
      await s.storeVectors([{
        id: "o",
        bankId: "b",
        vector: [1, 0, 0, 0],
        text: "o",
        tags: ["x"],
      }]);
      const hits = await s.searchSimilar([1, 0, 0, 0], "b", { filters: { tags: [hostile] } });
      assert.deepEqual(hits.map((h) => h.id), ["h"]);
      assert.equal(filters.length, 1);
      assert.ok(!filters[0]!.includes('"') && !filters[0]!.includes("AND 1=1"), filters[0]);
      assert.equal(filters[0]!.split("'").length, 3, "exactly one quoted literal");
    });
  },
});
