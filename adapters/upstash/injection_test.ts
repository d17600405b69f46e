/**
 * Injection corpus: hostile tags, fact types, session ids, metadata keys and values (quotes,
 * backslashes, filter operators and keywords, GLOB metacharacters, the adapter's own encoding
 * markers, control characters, unicode look-alikes, lone surrogates). Every item carries its
 * own hostile string in every filterable field; every filter must match exactly its own item,
 * against the emulator's real filter parser.
 */
import assert from "node:assert/strict";
import { isPortableString, ValidationError } from "@astrocyte/core";
import type { VectorFilters, VectorItem } from "@astrocyte/core";
import { assertRejectsWith, seededVector } from "@astrocyte/core/testing";
import { serveUpstashEmulator } from "../../tests/fixtures/upstash_emulator.ts";
import { createUpstashVectorStore } from "./mod.ts";

/** The corpus (deduplicated below). */
const HOSTILE: readonly string[] = [
  // quotes and backslashes
  "it's",
  `it's "x" AND 1=1`,
  `"`,
  `'`,
  `''`,
  `""`,
  `\\`,
  `\\'`,
  `\\"`,
  `a\\`,
  `\\\\`,
  `' OR '1'='1`,
  `" OR "1"="1`,
  `x' OR tags CONTAINS 'y`,
  `x") OR (fact_type != "`,
  // operators, keywords, grammar
  ") OR (1=1",
  "a AND b",
  "a OR b",
  "NOT",
  "AND",
  "or",
  "IN ('a', 'b')",
  "GLOB",
  "CONTAINS",
  "HAS FIELD tags",
  "HAS NOT FIELD retained_at",
  "=",
  "!=",
  "<=",
  ">=",
  "<",
  ">",
  "1=1",
  "tags != ''",
  "(",
  ")",
  "()",
  ",",
  "a,b",
  // GLOB metacharacters
  "*",
  "?",
  "[",
  "]",
  "[abc]",
  "[^a-z]",
  "[!x]",
  "a*",
  "*a*",
  "?x?",
  "\\*",
  // LIKE / path / JSON syntax
  "%",
  "_",
  "%_",
  "$.key[0]",
  "a.b",
  "a[0]",
  "metadata[#-1]",
  "#",
  "-",
  "--",
  "/* */",
  ";",
  // the adapter's own markers and look-alike literals
  "~",
  "~u:AGk",
  "~z",
  "~b:1",
  "~n:1",
  "null",
  "true",
  "1",
  "0",
  "-1.5e3",
  "NaN",
  // whitespace and control characters
  "",
  " ",
  "  leading",
  "trailing  ",
  "\n",
  "\t",
  "\r\n",
  "\u0000",
  "\u007f",
  // unicode
  "ünïcødé",
  "银行",
  "🧠",
  "e\u0301",
  "\u00e9",
  "\u202e",
  "\ufeff",
  "\ud800",
  "\udfff x",
];

// Strings with NUL or a lone surrogate break core's input rule: every store rejects them (below).
const CORPUS = [...new Set(HOSTILE)].filter(isPortableString);
const REJECTED = [...new Set(HOSTILE)].filter((h) => !isPortableString(h));

Deno.test({
  name: "injection corpus: NUL and lone surrogates are a typed ValidationError, nothing written",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.ok(REJECTED.length >= 3);
    const served = serveUpstashEmulator({ dimension: D });
    const store = createUpstashVectorStore({
      url: served.url,
      token: served.token,
      dimensions: D,
      namespacePrefix: "inj_",
    });
    try {
      for (const h of REJECTED) {
        const item = { id: "x", bankId: "rej", vector: seededVector(D, 1), text: "t" };
        await assertRejectsWith(() => store.storeVectors([{ ...item, text: h }]), ValidationError);
        await assertRejectsWith(
          () => store.storeVectors([{ ...item, tags: [h] }]),
          ValidationError,
        );
        await assertRejectsWith(
          () => store.searchSimilar(item.vector, "rej", { filters: { tags: [h] } }),
          ValidationError,
        );
        await assertRejectsWith(() => store.listVectors(h), ValidationError);
      }
      assert.deepEqual(await store.listVectors("rej"), []);
    } finally {
      await store.close();
      await served.close();
    }
  },
});
const D = 8;

Deno.test({
  name:
    `injection corpus: ${CORPUS.length} hostile strings, every filter matches exactly its own item`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.ok(CORPUS.length >= 50);
    const served = serveUpstashEmulator({ dimension: D });
    // The adapter re-checks hits client-side and may complete them with an exact scan; both
    // would hide a wrong native filter. So the test reads what the service itself answered.
    let lastQueryIds: string[] | undefined;
    const spy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (new URL(String(input)).pathname.startsWith("/query")) {
        const body = await res.clone().json();
        lastQueryIds = (body.result as { id: string }[]).map((r) => r.id);
      }
      return res;
    };
    const store = createUpstashVectorStore({
      url: served.url,
      token: served.token,
      dimensions: D,
      namespacePrefix: "inj_",
      exactFilterFallback: false,
    }, { fetch: spy });
    try {
      const bank = `bank ${CORPUS.join("")}`.slice(0, 255); // a hostile bank id too
      const items: VectorItem[] = CORPUS.map((h, i) => ({
        id: `item-${String(i).padStart(3, "0")}`,
        bankId: bank,
        vector: seededVector(D, i + 1),
        text: h,
        tags: [h, `shared`],
        factType: h,
        metadata: { [h]: h, v: h, session_id: h },
      }));
      await store.storeVectors(items);
      const q = seededVector(D, 999);
      const only = async (filters: VectorFilters, expected: string, what: string) => {
        lastQueryIds = undefined;
        const hits = await store.searchSimilar(q, bank, { limit: CORPUS.length + 10, filters });
        assert.deepEqual(lastQueryIds, [expected], `service: ${what} ${JSON.stringify(filters)}`);
        assert.deepEqual(hits.map((h) => h.id), [expected], `${what} ${JSON.stringify(filters)}`);
      };
      for (const [i, h] of CORPUS.entries()) {
        const id = items[i]!.id;
        await only({ tags: [h] }, id, "tag");
        await only({ factTypes: [h] }, id, "fact type");
        await only({ sessionId: h }, id, "session id");
        await only({ metadataFilters: { v: h } }, id, "metadata value");
        await only({ metadataFilters: { [h]: h } }, id, "metadata key and value");
      }
      // The whole corpus as one filter list still matches every item exactly once.
      const all = await store.searchSimilar(q, bank, {
        limit: CORPUS.length + 10,
        filters: { tags: [...CORPUS], factTypes: [...CORPUS] },
      });
      assert.equal(all.length, CORPUS.length);
      // Round trip of every hostile field.
      const listed = await store.listVectors(bank, { limit: 1000 });
      assert.equal(listed.length, CORPUS.length);
      for (const [i, it] of listed.entries()) {
        const h = CORPUS[i]!;
        assert.equal(it.text, h);
        assert.deepEqual(it.tags, [h, "shared"]);
        assert.equal(it.factType, h);
        assert.deepEqual(it.metadata, { [h]: h, v: h, session_id: h });
      }
      // Typed equality: "1", 1, true, "true", null and "~z" are six different values.
      const typed = [1, "1", true, "true", null, "~z", false, 0, "0", ""] as const;
      await store.storeVectors(typed.map((value, i) => ({
        id: `typed-${i}`,
        bankId: "typed",
        vector: seededVector(D, i + 1),
        text: String(value),
        metadata: { k: value },
      })));
      for (const [i, value] of typed.entries()) {
        const hits = await store.searchSimilar(q, "typed", {
          limit: 20,
          filters: { metadataFilters: { k: value } },
        });
        assert.deepEqual(lastQueryIds, [`typed-${i}`], `service: typed ${JSON.stringify(value)}`);
        assert.deepEqual(hits.map((h) => h.id), [`typed-${i}`], `typed ${JSON.stringify(value)}`);
      }
    } finally {
      await store.close();
      await served.close();
    }
  },
});

Deno.test("injection corpus is hostile: naive quoting breaks or widens filters on the emulator", async () => {
  const { createUpstashEmulator } = await import("../../tests/fixtures/upstash_emulator.ts");
  const emulator = createUpstashEmulator({ dimension: 2 });
  const call = async (endpoint: string, body: unknown) => {
    const res = await emulator.handler(
      new Request(`http://emu/${endpoint}/raw`, {
        method: "POST",
        headers: { authorization: "Bearer test-token" },
        body: JSON.stringify(body),
      }),
    );
    return { status: res.status, json: await res.json() };
  };
  await call(
    "upsert",
    CORPUS.map((h, i) => ({ id: `i${i}`, vector: [1, i], metadata: { tags: [h] } })),
  );
  let broken = 0;
  for (const [i, h] of CORPUS.entries()) {
    const r = await call("query", { vector: [1, 0], topK: 1000, filter: `tags CONTAINS '${h}'` });
    const ids = r.status === 200 ? (r.json.result as { id: string }[]).map((x) => x.id) : null;
    if (ids === null || ids.length !== 1 || ids[0] !== `i${i}`) broken++;
  }
  assert.ok(broken >= 10, `naive quoting should fail on many entries, failed on ${broken}`);
});
