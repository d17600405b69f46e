/**
 * Concurrent workloads for the reliability suite: many parallel writers and readers on one
 * bank and on many banks, for every store family. Workloads are built so that their final
 * state does not depend on the interleaving (each id has one deterministic content; deletes
 * touch ids no one rewrites; racing upserts of one id carry the same content), so the final
 * state must equal the in-memory reference's exactly, whatever the schedule. Readers running
 * during the writes check that they only ever see whole, own-bank records.
 *
 * @module
 */
import type { Stores } from "../differential/targets.ts";

/** What a workload found. */
export interface WorkloadResult {
  /** Operations issued. */
  ops: number;
  /** Expected records missing at the end (or with the wrong content). */
  lost: number;
  /** Records seen twice (in a listing, or duplicate rows counted by deleteBank). */
  duplicated: number;
  /** Records present that should not be (deleted ones, other banks', partial ones). */
  leaked: number;
  /** Human-readable violations (invariants broken by readers, wrong revisions, …). */
  violations: string[];
}

function empty(): WorkloadResult {
  return { ops: 0, lost: 0, duplicated: 0, leaked: 0, violations: [] };
}

/** Run `n` async workers in parallel. */
async function parallel(n: number, fn: (i: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
}

/** Compare a final listing (id → content) with the expected map. */
function audit(
  r: WorkloadResult,
  what: string,
  listed: readonly [string, string][],
  expected: ReadonlyMap<string, string>,
): void {
  const seen = new Map<string, number>();
  for (const [id] of listed) seen.set(id, (seen.get(id) ?? 0) + 1);
  for (const [id, n] of seen) {
    if (n > 1) {
      r.duplicated++;
      r.violations.push(`${what}: ${id} listed ${n} times`);
    }
  }
  for (const [id, content] of expected) {
    const got = listed.find(([x]) => x === id);
    if (!got) {
      r.lost++;
      r.violations.push(`${what}: ${id} lost`);
    } else if (got[1] !== content) {
      r.lost++;
      r.violations.push(
        `${what}: ${id} has ${JSON.stringify(got[1])}, expected ${JSON.stringify(content)}`,
      );
    }
  }
  for (const [id] of seen) {
    if (!expected.has(id)) {
      r.leaked++;
      r.violations.push(`${what}: ${id} should not be there`);
    }
  }
}

/** The vector of an id: deterministic, never all-zero. */
function vec(id: string, dim: number): number[] {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return Array.from({ length: dim }, (_, j) => ((h >>> (j * 3)) & 7) + 1);
}

/** Options of the workloads. */
export interface WorkloadOptions {
  /** Vector dimension. */
  dimensions: number;
  /** Unique bank id prefix for this run. */
  prefix: string;
  /** Parallel writers. @default {8} */
  writers?: number;
  /** Parallel readers. @default {4} */
  readers?: number;
  /** Rounds per writer. @default {4} */
  rounds?: number;
  /** Banks of the many-banks workload. @default {8} */
  banks?: number;
}

/**
 * Vector store, one bank and many banks: writers upsert their own ids and a set of shared ids
 * (same content from every writer), write then delete "doomed" ids; readers search and page
 * through the bank meanwhile. Then every bank is listed (in small pages) and compared.
 */
export async function vectorWorkload(s: Stores, o: WorkloadOptions): Promise<WorkloadResult> {
  const v = s.vector!;
  const r = empty();
  const W = o.writers ?? 8, R = o.readers ?? 4, rounds = o.rounds ?? 4, nb = o.banks ?? 8;
  const banks = [
    `${o.prefix}one'%_`,
    ...Array.from({ length: nb }, (_, i) => `${o.prefix}many-${i}`),
  ];
  const text = (bank: string, id: string) => `${bank}|${id}`;
  const expected = new Map(banks.map((b) => [b, new Map<string, string>()]));
  let writing = true;

  const writer = async (bank: string, w: number) => {
    for (let k = 0; k < rounds; k++) {
      const own = [`w${w}-r${k}`, `w${w}-r${k}-b`];
      const shared = [`shared-${k}`, `shared-${(k + w) % rounds}`];
      const doomed = `doomed-w${w}-r${k}`;
      const ids = [...own, ...shared, doomed];
      await v.storeVectors(
        ids.map((id) => ({
          id,
          bankId: bank,
          vector: vec(id, o.dimensions),
          text: text(bank, id),
          tags: ["c"],
          metadata: { w },
        })).map((it) => shared.includes(it.id) ? { ...it, metadata: { w: -1 } } : it),
      );
      r.ops++;
      const removed = await v.delete([doomed, `never-${w}`], bank);
      r.ops++;
      if (removed !== 1) r.violations.push(`delete of ${doomed} in ${bank} removed ${removed}`);
      for (const id of [...own, ...shared]) expected.get(bank)!.set(id, text(bank, id));
    }
  };
  const reader = async (bank: string) => {
    while (writing) {
      const hits = await v.searchSimilar(vec("q", o.dimensions), bank, { limit: 20 });
      r.ops++;
      const ids = new Set<string>();
      for (const h of hits) {
        if (ids.has(h.id)) {
          r.duplicated++;
          r.violations.push(`search in ${bank} returned ${h.id} twice`);
        }
        ids.add(h.id);
        if (h.text !== text(bank, h.id)) {
          r.leaked++;
          r.violations.push(`search in ${bank} returned ${h.id} with text ${h.text}`);
        }
      }
      const page = await v.listVectors(bank, { offset: 0, limit: 10 });
      r.ops++;
      for (const it of page) {
        if (it.bankId !== bank || it.text !== text(bank, it.id)) {
          r.leaked++;
          r.violations.push(`list of ${bank} returned ${it.id} of ${it.bankId}: ${it.text}`);
        }
      }
    }
  };
  const writers = Promise.all([
    parallel(W, (w) => writer(banks[0]!, w)),
    ...banks.slice(1).map((b, i) => parallel(2, (w) => writer(b, w + i * 10))),
  ]).finally(() => (writing = false));
  await Promise.all([writers, parallel(R, () => reader(banks[0]!)), reader(banks[1]!)]);
  for (const bank of banks) {
    const listed: [string, string][] = [];
    for (let off = 0;; off += 7) {
      const page = await v.listVectors(bank, { offset: off, limit: 7 });
      r.ops++;
      listed.push(...page.map((it) => [it.id, it.text] as [string, string]));
      if (page.length < 7) break;
    }
    audit(r, `vectors ${bank}`, listed, expected.get(bank)!);
  }
  for (const b of banks) await v.deleteBank(b).catch(() => {});
  return r;
}

/** Document store: parallel upserts (own and shared ids), deletes and searches. */
export async function documentWorkload(s: Stores, o: WorkloadOptions): Promise<WorkloadResult> {
  const d = s.document!;
  const r = empty();
  const W = o.writers ?? 8, rounds = o.rounds ?? 4, nb = o.banks ?? 8;
  const banks = [
    `${o.prefix}docs-one`,
    ...Array.from({ length: nb }, (_, i) => `${o.prefix}docs-${i}`),
  ];
  const text = (bank: string, id: string) => `alpha ${id.replace(/\W/g, " ")} bravo ${bank.length}`;
  const expected = new Map(banks.map((b) => [b, new Map<string, string>()]));
  let writing = true;
  const writer = async (bank: string, w: number) => {
    for (let k = 0; k < rounds; k++) {
      for (const id of [`w${w}-r${k}`, `shared-${k}`, `doomed-${w}-${k}`]) {
        await d.storeDocument({ id, text: text(bank, id) }, bank);
        r.ops++;
      }
      const removed = await d.deleteDocuments([`doomed-${w}-${k}`], bank);
      r.ops++;
      if (removed !== 1) r.violations.push(`deleteDocuments in ${bank} removed ${removed}`);
      expected.get(bank)!.set(`w${w}-r${k}`, text(bank, `w${w}-r${k}`));
      expected.get(bank)!.set(`shared-${k}`, text(bank, `shared-${k}`));
    }
  };
  const reader = async (bank: string) => {
    while (writing) {
      const hits = await d.searchFulltext("alpha bravo", bank, { limit: 50 });
      r.ops++;
      for (const h of hits) {
        if (h.text !== text(bank, h.documentId)) {
          r.leaked++;
          r.violations.push(`search in ${bank} returned ${h.documentId}: ${h.text}`);
        }
      }
    }
  };
  const writers = Promise.all([
    parallel(W, (w) => writer(banks[0]!, w)),
    ...banks.slice(1).map((b, i) => parallel(2, (w) => writer(b, w + i * 10))),
  ]).finally(() => (writing = false));
  await Promise.all([writers, parallel(2, () => reader(banks[0]!))]);
  for (const bank of banks) {
    const listed = (await d.listDocuments(bank, { limit: 1000 })).map((x) =>
      [x.id, x.text] as [string, string]
    );
    r.ops++;
    audit(r, `documents ${bank}`, listed, expected.get(bank)!);
  }
  for (const b of banks) await d.deleteBank(b).catch(() => {});
  return r;
}

/**
 * Graph store: parallel entity upserts, the same link stored concurrently by every writer
 * (must yield one link and one id), associations; then the neighbourhood and the number of
 * rows deleteBank removes are compared with the reference.
 */
export async function graphWorkload(
  s: Stores,
  ref: Stores,
  o: WorkloadOptions,
): Promise<WorkloadResult> {
  const r = empty();
  const W = o.writers ?? 8;
  const bank = `${o.prefix}graph'%`;
  const work = async (g: NonNullable<Stores["graph"]>, count: boolean) => {
    const linkIds: string[][] = [];
    await parallel(W, async (w) => {
      await g.storeEntities([
        { id: `e${w}`, name: `Entity ${w}`, entityType: "PERSON" },
        { id: "hub", name: "Hub", entityType: "ORG" },
      ], bank);
      linkIds.push(
        await g.storeLinks([
          { entityA: "hub", entityB: "e0", linkType: "co_occurs" },
          { entityA: `e${w}`, entityB: "hub", linkType: "works_at" },
        ], bank),
      );
      await g.linkMemoriesToEntities([
        { memoryId: `m${w}`, entityId: `e${w}`, memoryText: `memory ${w}` },
        { memoryId: "m-hub", entityId: "hub", memoryText: "hub memory" },
      ], bank);
      if (count) r.ops += 3;
    });
    const shared = new Set(linkIds.map((ids) => ids[0]));
    if (shared.size !== 1) {
      r.duplicated += shared.size - 1;
      r.violations.push(`the same link stored concurrently got ${shared.size} ids`);
    }
    const hits = await g.queryNeighbors(["e0"], bank, { maxDepth: 3, limit: 100 });
    const removed = await g.deleteBank(bank);
    return { hits, removed };
  };
  const got = await work(s.graph!, true);
  const want = await work(ref.graph!, false);
  const key = (h: { memoryId: string; depth: number }) => `${h.memoryId}@${h.depth}`;
  const g1 = got.hits.map(key).join(","), w1 = want.hits.map(key).join(",");
  if (g1 !== w1) {
    r.lost++;
    r.violations.push(`neighbours: expected ${w1}, got ${g1}`);
  }
  if (got.removed !== want.removed) {
    got.removed > want.removed ? r.duplicated++ : r.lost++;
    r.violations.push(`deleteBank removed ${got.removed} rows, reference ${want.removed}`);
  }
  return r;
}

/**
 * Wiki store: every writer upserts the same page concurrently; revisions must be exactly
 * 1…N (no lost update, no duplicate revision) and the history must hold 1…N−1.
 */
export async function wikiWorkload(s: Stores, o: WorkloadOptions): Promise<WorkloadResult> {
  const w = s.wiki!;
  const r = empty();
  const N = (o.writers ?? 8) * 2;
  const bank = `${o.prefix}wiki`;
  await parallel(N, async (i) => {
    await w.upsertPage({
      pageId: "topic:race",
      kind: "topic",
      title: `t${i}`,
      content: `content ${i}`,
      scope: "s",
      sourceIds: [],
      crossLinks: [],
    }, bank);
    r.ops++;
  });
  const page = await w.getPage("topic:race", bank);
  const history = await w.pageHistory("topic:race", bank);
  r.ops += 2;
  const revisions = [...history.map((p) => p.revision), page?.revision ?? -1];
  const want = Array.from({ length: N }, (_, i) => i + 1);
  if (JSON.stringify(revisions) !== JSON.stringify(want)) {
    const dup = revisions.length - new Set(revisions).size;
    r.duplicated += dup;
    r.lost += Math.max(0, N - new Set(revisions).size);
    r.violations.push(`revisions after ${N} concurrent upserts: ${JSON.stringify(revisions)}`);
  }
  await w.deleteBank(bank);
  return r;
}

/**
 * Source store: writers store documents with *the same content hash* under different ids at
 * once; exactly one document may hold the hash and every call must return its id. Chunks too.
 */
export async function sourceWorkload(s: Stores, o: WorkloadOptions): Promise<WorkloadResult> {
  const so = s.source!;
  const r = empty();
  const W = o.writers ?? 8;
  const bank = `${o.prefix}src`;
  const docIds: string[] = [];
  const chunkIds: string[] = [];
  await parallel(W, async (w) => {
    docIds.push(await so.storeDocument({ id: `d${w}`, bankId: bank, contentHash: "same-hash" }));
    chunkIds.push(
      ...await so.storeChunks([
        {
          id: `c${w}`,
          bankId: bank,
          documentId: "d-any",
          chunkIndex: w,
          text: "x",
          contentHash: "chunk-hash",
        },
        { id: `own${w}`, bankId: bank, documentId: "d-any", chunkIndex: 100 + w, text: `own ${w}` },
      ]),
    );
    r.ops += 2;
  });
  const docs = await so.listDocuments(bank, { limit: 1000 });
  const chunks = await so.listChunks("d-any", bank);
  r.ops += 2;
  const holders = docs.filter((d) => d.contentHash === "same-hash");
  if (holders.length !== 1 || new Set(docIds).size !== 1 || docIds[0] !== holders[0]?.id) {
    r.duplicated += Math.max(0, holders.length - 1);
    r.violations.push(
      `same-hash documents: ${holders.length} stored, calls returned ${
        JSON.stringify([...new Set(docIds)])
      }`,
    );
  }
  const hashChunks = chunks.filter((c) => c.contentHash === "chunk-hash");
  const returned = new Set(chunkIds.filter((id) => !id.startsWith("own")));
  if (hashChunks.length !== 1 || returned.size !== 1) {
    r.duplicated += Math.max(0, hashChunks.length - 1);
    r.violations.push(
      `same-hash chunks: ${hashChunks.length} stored, ids returned ${
        JSON.stringify([...returned])
      }`,
    );
  }
  const own = chunks.filter((c) => c.id.startsWith("own")).length;
  if (own !== W) {
    r.lost += W - own;
    r.violations.push(`own chunks: ${own} of ${W}`);
  }
  await so.deleteBank(bank);
  return r;
}
