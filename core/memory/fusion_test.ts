import assert from "node:assert/strict";
import { chunkText } from "./chunking.ts";
import { extractEntities } from "./entities.ts";
import { enforceTokenBudget, estimateTokens, fuseRrf, RRF_K } from "./fusion.ts";

Deno.test("fuseRrf: sums 1/(k+rank+1) per list, dedups by id, ties by id", () => {
  const fused = fuseRrf([
    { name: "a", items: [{ id: "x" }, { id: "y" }, { id: "z" }] },
    { name: "b", items: [{ id: "y" }, { id: "w" }] },
  ]);
  const score = (r: number) => 1 / (RRF_K + r + 1);
  assert.deepEqual(fused.map((f) => f.id), ["y", "x", "w", "z"]);
  assert.equal(fused[0]!.score, score(1) + score(0));
  assert.deepEqual(fused[0]!.sources, ["a", "b"]);
  assert.equal(fused.find((f) => f.id === "w")!.score, score(1));
  // equal scores → id ascending
  const tie = fuseRrf([{ name: "a", items: [{ id: "q" }] }, { name: "b", items: [{ id: "p" }] }]);
  assert.deepEqual(tie.map((f) => f.id), ["p", "q"]);
});

Deno.test("fuseRrf: weights scale, zero mutes, negative rejected", () => {
  const fused = fuseRrf([
    { name: "a", items: [{ id: "x" }], weight: 2 },
    { name: "b", items: [{ id: "y" }], weight: 0 },
  ]);
  assert.equal(fused[0]!.id, "x");
  assert.equal(fused[0]!.score, 2 / 61);
  assert.equal(fused[1]!.score, 0);
  assert.throws(() => fuseRrf([{ name: "a", items: [], weight: -1 }]), RangeError);
});

Deno.test("token budget stops at the first overflow (no skip-ahead)", () => {
  const hits = [{ text: "a".repeat(40) }, { text: "b".repeat(400) }, { text: "c" }];
  const r = enforceTokenBudget(hits, 20);
  assert.equal(r.hits.length, 1);
  assert.equal(r.truncated, true);
  assert.equal(enforceTokenBudget(hits, undefined).hits.length, 3);
  assert.equal(estimateTokens(""), 1);
  assert.equal(estimateTokens("abcd".repeat(10)), 10);
  assert.ok(estimateTokens("记忆".repeat(30)) >= 40, "CJK counts denser");
});

Deno.test("chunkText: paragraphs kept whole, long paragraphs split at sentences with overlap", () => {
  assert.deepEqual(chunkText(""), []);
  assert.deepEqual(chunkText("One. Two.\n\nThree.", { maxChars: 30 }), ["One. Two.\n\nThree."]);
  assert.deepEqual(chunkText("One. Two.\n\nThree.", { maxChars: 20, overlap: 0 }), [
    "One. Two.\n\nThree.",
  ]);
  const long = Array.from({ length: 30 }, (_, i) => `Sentence number ${i} is here.`).join(" ");
  const chunks = chunkText(long, { maxChars: 120, overlap: 30 });
  assert.ok(chunks.length > 5);
  for (const c of chunks) assert.ok(c.length <= 120, `chunk too long: ${c.length}`);
  // every sentence survives somewhere
  for (let i = 0; i < 30; i++) {
    assert.ok(chunks.some((c) => c.includes(`Sentence number ${i} is here.`)), `lost ${i}`);
  }
  // a giant word is hard-split
  const giant = chunkText("x".repeat(250), { maxChars: 100 });
  assert.deepEqual(giant.map((c) => c.length), [100, 100, 50]);
});

Deno.test("extractEntities: capitalised runs minus stopwords, deduplicated", () => {
  const e = extractEntities("Calvin met Ada Lovelace in London. The Calvin's cat likes London.");
  assert.deepEqual(e.map((x) => x.name), ["Calvin", "Ada Lovelace", "London"]);
  assert.equal(e[0]!.id, "ent:calvin");
  assert.deepEqual(extractEntities("what does it mean?"), []);
});
