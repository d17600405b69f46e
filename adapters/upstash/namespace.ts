/**
 * The bank id ↔ Upstash namespace mapping: one namespace per bank, named
 * `namespace_prefix + escape(bankId)`.
 *
 * `escape` keeps ASCII letters, digits, `_` and `-`, and writes every other character as
 * `~` followed by the two upper-case hex digits of each of its UTF-8 bytes (`.` → `~2E`,
 * `é` → `~C3~A9`). A lone UTF-16 surrogate (not encodable as UTF-8) is written `~u` plus four
 * hex digits. `~` itself is always escaped, so the mapping is injective (no two bank ids share a
 * namespace) and reversible ({@linkcode namespaceToBankId}). The result only contains
 * characters that are safe in a URL path segment, which matters because the namespace is sent
 * as the last path segment (`POST <url>/upsert/<namespace>`) without further encoding.
 *
 * @example
 * ```ts
 * import { bankIdToNamespace, namespaceToBankId } from "@astrocyte/upstash";
 *
 * const ns = bankIdToNamespace("user:42", "astro_");
 * console.log(ns); // "astro_user~3A42"
 * console.log(namespaceToBankId(ns, "astro_")); // "user:42"
 * ```
 *
 * @module
 */
import { ValidationError } from "@astrocyte/core";

const PREFIX = "[astrocyte/upstash]";
const KEEP = /[A-Za-z0-9_-]/;
const HEX = "0123456789ABCDEF";
const encoder = new TextEncoder();

/** Characters allowed in `namespace_prefix`. */
export const NAMESPACE_PREFIX_PATTERN: RegExp = /^[A-Za-z0-9_-]{0,64}$/;

/**
 * Escape a bank id into namespace-safe characters (see the module doc).
 * The empty string maps to the empty string.
 */
export function escapeBankId(bankId: string): string {
  let out = "";
  for (const ch of bankId) {
    if (ch.length === 1 && KEEP.test(ch)) {
      out += ch;
      continue;
    }
    const cu = ch.charCodeAt(0);
    if (ch.length === 1 && cu >= 0xd800 && cu <= 0xdfff) {
      out += "~u" + cu.toString(16).toUpperCase().padStart(4, "0");
      continue;
    }
    for (const b of encoder.encode(ch)) out += "~" + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/**
 * Reverse {@linkcode escapeBankId}.
 * @throws {ValidationError} when the text is not a valid escaped bank id.
 */
export function unescapeBankId(escaped: string): string {
  let out = "";
  const bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length === 0) return;
    try {
      out += new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes));
    } catch (e) {
      throw new ValidationError(`${PREFIX} Invalid escaped namespace name`, { cause: e });
    }
    bytes.length = 0;
  };
  for (let i = 0; i < escaped.length;) {
    const c = escaped[i]!;
    if (c === "~" && escaped[i + 1] === "u" && /^[0-9A-F]{4}$/.test(escaped.slice(i + 2, i + 6))) {
      flush();
      out += String.fromCharCode(parseInt(escaped.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (c === "~" && /^[0-9A-F]{2}$/.test(escaped.slice(i + 1, i + 3))) {
      bytes.push(parseInt(escaped.slice(i + 1, i + 3), 16));
      i += 3;
    } else if (KEEP.test(c)) {
      flush();
      out += c;
      i++;
    } else {
      throw new ValidationError(`${PREFIX} Invalid escaped namespace name`);
    }
  }
  flush();
  return out;
}

/** The Upstash namespace that holds a bank: `prefix + escapeBankId(bankId)`. */
export function bankIdToNamespace(bankId: string, prefix = ""): string {
  return prefix + escapeBankId(bankId);
}

/**
 * The bank id a namespace belongs to, or `null` when the namespace does not start with
 * `prefix` or is not a valid escaped bank id (so other tenants' namespaces are ignored).
 */
export function namespaceToBankId(namespace: string, prefix = ""): string | null {
  if (!namespace.startsWith(prefix) || namespace.length === prefix.length) return null;
  try {
    const bankId = unescapeBankId(namespace.slice(prefix.length));
    return escapeBankId(bankId) === namespace.slice(prefix.length) ? bankId : null;
  } catch {
    return null;
  }
}
