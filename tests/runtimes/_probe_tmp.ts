import * as t from "@astrocyte/core/testing";
import * as c from "@astrocyte/core";
const t0 = performance.now();
const suites = [
  t.vectorStoreContract({ create: () => Promise.resolve(c.createInMemoryVectorStore()) }),
  t.documentStoreContract({ create: () => Promise.resolve(c.createInMemoryDocumentStore()) }),
  t.graphStoreContract({ create: () => Promise.resolve(c.createInMemoryGraphStore()) }),
  t.wikiStoreContract({ create: () => Promise.resolve(c.createInMemoryWikiStore()) }),
  t.mentalModelStoreContract({ create: () => Promise.resolve(c.createInMemoryMentalModelStore()) }),
  t.sourceStoreContract({ create: () => Promise.resolve(c.createInMemorySourceStore()) }),
  t.pageIndexStoreContract({ create: () => Promise.resolve(c.createInMemoryPageIndexStore()) }),
  t.llmProviderContract({ dimensions: 128, create: ({dimensions}) => Promise.resolve(c.createMockLLMProvider({dimensions})) }),
  t.engineProviderContract({ create: () => Promise.resolve(c.createInMemoryEngineProvider()) }),
];
for (const s of suites) { const t1 = performance.now(); const r = await t.runInline([s]); console.log(s.name, r.passed, r.failed, r.skipped, Math.round(performance.now()-t1)); for (const cs of r.suites[0].cases) if (cs.status!=="passed") console.log("  ", cs.status, cs.name, cs.detail); }
console.log("total", Math.round(performance.now()-t0));
