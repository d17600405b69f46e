/**
 * `@astrocyte/postgres/pglite`: everything in `@astrocyte/postgres`, plus the embedded
 * **PGlite** driver (Postgres compiled to WebAssembly, with pgvector and pg_trgm) for local
 * development, tests and single-process apps.
 *
 * PGlite lives in its own entry point so that the main entry — the Neon HTTP and WebSocket
 * drivers, which is what runs on Cloudflare Workers — never references it: a Workers bundle of
 * `@astrocyte/postgres` stays free of PGlite's WebAssembly and Node built-ins.
 *
 * @example
 * ```ts ignore
 * import { createRegistry, inMemory } from "@astrocyte/core";
 * import { postgres } from "@astrocyte/postgres/pglite";
 *
 * const registry = createRegistry(inMemory, postgres);
 * // astrocyte.yaml:  vector_store: postgres
 * //                  vector_store_config: { url: "pglite:.astrocyte/pg", dimensions: 384 }
 * ```
 *
 * @module
 */
import type { PGliteOptions } from "@electric-sql/pglite";
import { registerPgliteLoader } from "./_client.ts";

/** A decoder that keeps a leading U+FEFF as a character (the default strips it). */
const exactUtf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** The parsed form of a protocol DataRow message, as PGlite's parser produces it. */
interface DataRowMessage {
  name: string;
  fields: unknown[];
}

/** The two PGlite instance methods the workaround below relies on. */
interface PgliteProtocol {
  execProtocol(
    message: Uint8Array,
    options?: Record<string, unknown>,
  ): Promise<{ messages: unknown[]; data: Uint8Array }>;
  execProtocolStream(message: Uint8Array, options?: Record<string, unknown>): Promise<unknown[]>;
}

/**
 * Re-decode, from the raw wire bytes `data`, every DataRow field whose UTF-8 starts with a
 * byte order mark (EF BB BF), so it keeps its leading U+FEFF. `messages` are the messages
 * PGlite parsed from `data`, in order; nothing is touched unless their DataRows line up with
 * the raw ones one to one.
 */
function restoreLeadingBoms(messages: unknown[], data: Uint8Array): void {
  const parsed = messages.filter((m): m is DataRowMessage =>
    (m as DataRowMessage | null)?.name === "dataRow" &&
    Array.isArray((m as DataRowMessage).fields)
  );
  if (parsed.length === 0) return;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  // Raw DataRow messages: type 'D', int32 length (itself included), int16 field count, then
  // per field an int32 byte length (-1 for NULL) and the bytes.
  const raw: number[] = [];
  for (let at = 0; at + 5 <= data.length; at += 1 + view.getInt32(at + 1)) {
    if (data[at] === 0x44) raw.push(at);
    if (view.getInt32(at + 1) < 4) return; // not a protocol stream we understand
  }
  if (raw.length !== parsed.length) return;
  for (let r = 0; r < raw.length; r++) {
    const fields = parsed[r]!.fields;
    let p = raw[r]! + 5;
    const count = view.getInt16(p);
    if (count !== fields.length) return;
    p += 2;
    for (let i = 0; i < count; i++) {
      const length = view.getInt32(p);
      p += 4;
      if (length < 0) continue;
      if (length >= 3 && data[p] === 0xef && data[p + 1] === 0xbb && data[p + 2] === 0xbf) {
        fields[i] = exactUtf8.decode(data.subarray(p, p + length));
      }
      p += length;
    }
  }
}

/**
 * Make a PGlite instance return text values that start with U+FEFF intact.
 *
 * Why: PGlite's wire-protocol parser (`BufferReader.string` in its bundled `pg-protocol`)
 * decodes every DataRow field with `new TextDecoder("utf-8")`, whose default `ignoreBOM:
 * false` swallows one leading U+FEFF per field. Any text column — ids, texts, tags, hashes,
 * titles, metadata JSON — read back through PGlite therefore loses it ('\uFEFFx' reads as
 * 'x'), and lookups that compare what was read with what was written (chunk hashes) go wrong.
 * The loss happens before PGlite's per-type `parsers` run, so query options and custom
 * parsers cannot undo it, and the decoder is a private field rebuilt after every error.
 *
 * Every query, exec and transaction of PGlite reads its results through the public instance
 * method `execProtocolStream` (which keeps only parsed messages). This overrides it on the
 * one instance with the public `execProtocol`, which runs the same parser and error handling
 * and also returns the raw response bytes, then re-decodes from those bytes the few fields
 * that start with EF BB BF. Re-decoding (rather than prepending a U+FEFF) stays correct if
 * PGlite ever fixes its decoder. Only PGlite needs this: the Neon drivers decode with
 * `ignoreBOM`-safe code paths, and the instance is ours (created by this entry point).
 */
function preserveLeadingBoms(db: unknown): unknown {
  const pg = db as PgliteProtocol;
  if (typeof pg?.execProtocol !== "function" || typeof pg.execProtocolStream !== "function") {
    return db;
  }
  pg.execProtocolStream = async (message, options = {}) => {
    const { messages, data } = await pg.execProtocol(message, options);
    restoreLeadingBoms(messages, data);
    return messages;
  };
  return db;
}

registerPgliteLoader(async () => {
  const [{ PGlite }, { vector }, { pg_trgm }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("@electric-sql/pglite-pgvector"),
    import("@electric-sql/pglite/contrib/pg_trgm"),
  ]);
  return {
    PGlite: {
      create: async (options) => preserveLeadingBoms(await PGlite.create(options as PGliteOptions)),
    },
    extensions: { vector, pg_trgm },
  };
});

export * from "./mod.ts";
