/**
 * Many parallel writers and readers, on one bank and on many banks, for every adapter and the
 * in-memory reference: the final state must equal the reference (same ids and texts per bank),
 * readers must only ever see whole own-bank records, racing upserts of one wiki page must give
 * revisions 1…N, racing same-hash source writes must dedup to one record, and the same link
 * stored concurrently must be one link. Prints operations and lost / duplicated / leaked
 * counts per target.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  openBackends,
  referenceStores,
  selectedTargets,
  type Stores,
} from "../differential/targets.ts";
import {
  documentWorkload,
  graphWorkload,
  sourceWorkload,
  vectorWorkload,
  wikiWorkload,
  type WorkloadResult,
} from "./workloads.ts";

const DIM = 6;
const backends = await openBackends({
  dimensions: DIM,
  tablePrefix: "rel_conc_",
  targets: selectedTargets(),
});
const totals: Record<string, { ops: number; lost: number; duplicated: number; leaked: number }> =
  {};
let run = 0;

/** Fail a workload that does not settle (a deadlock) instead of hanging the suite. */
function bounded<T>(what: string, p: Promise<T>, ms = 60_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: no progress after ${ms} ms (deadlock?)`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

async function runAll(name: string, s: Stores): Promise<WorkloadResult[]> {
  const prefix = `cc${++run}-${crypto.randomUUID().slice(0, 6)}:`;
  // Sized for the default test run (seconds per adapter).
  const o = { dimensions: DIM, prefix, writers: 6, readers: 3, rounds: 3, banks: 5 };
  const out: WorkloadResult[] = [];
  if (s.vector) out.push(await bounded(`${name} vectors`, vectorWorkload(s, o)));
  if (s.document) out.push(await bounded(`${name} documents`, documentWorkload(s, o)));
  if (s.graph) {
    const ref = referenceStores(DIM);
    out.push(await bounded(`${name} graph`, graphWorkload(s, ref, o)));
    await ref.close();
  }
  if (s.wiki) out.push(await bounded(`${name} wiki`, wikiWorkload(s, o)));
  if (s.source) out.push(await bounded(`${name} sources`, sourceWorkload(s, o)));
  const t = { ops: 0, lost: 0, duplicated: 0, leaked: 0 };
  for (const r of out) {
    t.ops += r.ops;
    t.lost += r.lost;
    t.duplicated += r.duplicated;
    t.leaked += r.leaked;
  }
  totals[name] = t;
  console.log(
    `concurrency ${name}: ${t.ops} operations, ${t.lost} lost, ${t.duplicated} duplicated, ${t.leaked} leaked`,
  );
  return out;
}

function check(results: WorkloadResult[]): void {
  const violations = results.flatMap((r) => r.violations);
  assert.equal(violations.length, 0, violations.slice(0, 30).join("\n"));
}

/** A tick, so concurrent callers interleave between a read and the write that depends on it. */
const tick = () => new Promise((r) => setTimeout(r, 1));

/**
 * Deliberately racy stores (read, yield, write) prove the workloads catch lost updates and
 * duplicate dedup keys.
 */
function racyStores(): Stores {
  const pages = new Map<string, { revision: number; history: number[] }>();
  const wiki = {
    async upsertPage(p: { pageId: string }, bank: string) {
      const key = `${bank}|${p.pageId}`;
      const current = pages.get(key)?.revision ?? 0; // read
      await tick(); // yield
      const history = [...(pages.get(key)?.history ?? []), ...(current ? [current] : [])];
      pages.set(key, { revision: current + 1, history }); // write (lost update)
      return p.pageId;
    },
    getPage: (id: string, bank: string) => {
      const e = pages.get(`${bank}|${id}`);
      return Promise.resolve(e ? { pageId: id, revision: e.revision } : null);
    },
    pageHistory: (id: string, bank: string) =>
      Promise.resolve(
        (pages.get(`${bank}|${id}`)?.history ?? []).map((revision) => ({ revision })),
      ),
    deleteBank: () => Promise.resolve(0),
  };
  const docs: { id: string; contentHash?: string }[] = [];
  const source = {
    async storeDocument(d: { id: string; contentHash?: string }) {
      const existing = docs.find((x) => x.contentHash === d.contentHash); // check
      await tick();
      if (existing) return existing.id;
      docs.push({ id: d.id, contentHash: d.contentHash }); // then insert (duplicate hash)
      return d.id;
    },
    storeChunks: (cs: { id: string }[]) => Promise.resolve(cs.map((c) => c.id)),
    listDocuments: () => Promise.resolve([...docs]),
    listChunks: () => Promise.resolve([]),
    deleteBank: () => Promise.resolve(0),
  };
  return { wiki, source } as unknown as Stores;
}

Deno.test("concurrency: the workloads catch a lost-update wiki and a check-then-insert source store", async () => {
  const racy = racyStores();
  const o = { dimensions: DIM, prefix: "racy:" };
  const wiki = await wikiWorkload(racy, o);
  assert.ok(
    wiki.violations.some((v) => v.startsWith("revisions after")),
    wiki.violations.join("\n"),
  );
  assert.ok(wiki.lost > 0 || wiki.duplicated > 0);
  const source = await sourceWorkload(racy, o);
  assert.ok(
    source.violations.some((v) => v.startsWith("same-hash documents")),
    source.violations.join("\n"),
  );
  assert.ok(source.duplicated > 0);
});

Deno.test("concurrency: the in-memory reference", async () => {
  const mem = referenceStores(DIM);
  try {
    check(await runAll("in_memory", mem));
  } finally {
    await mem.close();
  }
});

for (const name of backends.names) {
  Deno.test({
    name: `concurrency: ${name}`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const target = backends.open(name);
      try {
        check(await runAll(name, target));
      } finally {
        await target.close();
      }
    },
  });
}

Deno.test({
  name: "concurrency: stop the backends",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await backends.close();
    console.log(`concurrency totals: ${JSON.stringify(totals)}`);
    assert.ok(true);
  },
});
