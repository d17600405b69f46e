/**
 * Input checks for the PageIndex family, shared by the in-memory reference and the adapters so
 * that every store rejects the same inputs with the same `ValidationError` messages.
 *
 * @module
 */
import { ValidationError } from "../errors.ts";
import type {
  DocumentRef,
  MemoryFact,
  PageIndexSection,
  SectionAddress,
} from "../spi/pageindex_store.ts";
import type { WikiPage } from "../spi/wiki_store.ts";
import type { TimeRange } from "../types.ts";
import {
  INT32_MIN,
  validateBankId,
  validateCount,
  validateId,
  validateInt32,
  validateVector,
} from "./validate.ts";

/** The checks returned by {@linkcode pageIndexInputChecks}. */
export interface PageIndexInputChecks {
  /** Throws `ValidationError` unless the input is valid (`fail`). */
  fail(message: string, field: string): never;
  /** Throws `ValidationError` unless the input is valid (`checkString`). */
  checkString(value: unknown, field: string): string;
  /** Throws `ValidationError` unless the input is valid (`checkOptionalString`). */
  checkOptionalString(value: unknown, field: string): void;
  /**
   * Throws `ValidationError` unless the input is an integer within int32 (−2^31 … 2^31 − 1):
   * line numbers and depths, which stores persist in SQL `integer` columns.
   */
  checkInteger(value: unknown, field: string): number;
  /** Throws `ValidationError` unless the input is valid (`checkFinite`). */
  checkFinite(value: unknown, field: string): number;
  /** Throws `ValidationError` unless the input is valid (`checkDate`). */
  checkDate(value: unknown, field: string): Date;
  /** Throws `ValidationError` unless the input is valid (`checkOptionalDate`). */
  checkOptionalDate(value: unknown, field: string): void;
  /** Throws `ValidationError` unless the input is valid (`checkArray`). */
  checkArray(value: unknown, field: string): unknown[];
  /** Throws `ValidationError` unless the input is valid (`checkObject`). */
  checkObject(value: unknown, field: string): Record<string, unknown>;
  /** Throws `ValidationError` unless the input is valid (`checkStringArray`). */
  checkStringArray(value: unknown, field: string): string[];
  /** Throws `ValidationError` unless the input is valid (`checkRef`). */
  checkRef(ref: DocumentRef): void;
  /** Throws `ValidationError` unless the input is valid (`checkRange`). */
  checkRange(range: TimeRange, field: string): void;
  /** Throws `ValidationError` unless the input is valid (`checkTopK`). */
  checkTopK(value: unknown, fallback: number): number;
  /** Throws `ValidationError` unless the input is valid (`checkSeeds`). */
  checkSeeds(seeds: unknown): SectionAddress[];
  /** Throws `ValidationError` unless the input is valid (`stripPattern`). */
  stripPattern(pattern: string): string;
  /** Throws `ValidationError` unless the input is valid (`validateSection`). */
  validateSection(s: unknown, i: number, documentId: string): PageIndexSection;
  /** Throws `ValidationError` unless the input is valid (`validateFact`). */
  validateFact(x: unknown, i: number): MemoryFact;
  /** Throws `ValidationError` unless the input is valid (`validatePage`). */
  validatePage(x: unknown): WikiPage;
}

/**
 * PageIndex input checks whose error messages carry `prefix` (e.g. `[astrocyte/libsql]`).
 *
 * @example
 * ```ts
 * import { pageIndexInputChecks } from "@astrocyte/core";
 * const { checkRef } = pageIndexInputChecks("[astrocyte/mystore]");
 * checkRef({ bankId: "b", documentId: "d" });
 * ```
 */
export function pageIndexInputChecks(prefix: string): PageIndexInputChecks {
  const P = prefix;
  function fail(message: string, field: string): never {
    throw new ValidationError(`${P} ${message}`, { field });
  }

  function checkString(value: unknown, field: string): string {
    if (typeof value !== "string") fail(`${field} must be a string`, field);
    return value;
  }

  function checkOptionalString(value: unknown, field: string): void {
    if (value !== undefined) checkString(value, field);
  }

  function checkInteger(value: unknown, field: string): number {
    return validateInt32(value, field, P, INT32_MIN);
  }

  function checkFinite(value: unknown, field: string): number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      fail(`${field} must be a finite number`, field);
    }
    return value;
  }

  function checkDate(value: unknown, field: string): Date {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      fail(`${field} must be a valid Date`, field);
    }
    return value;
  }

  function checkOptionalDate(value: unknown, field: string): void {
    if (value !== undefined) checkDate(value, field);
  }

  function checkArray(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) fail(`${field} must be an array`, field);
    return value;
  }

  function checkObject(value: unknown, field: string): Record<string, unknown> {
    if (value === null || typeof value !== "object") fail(`${field} must be an object`, field);
    return value as Record<string, unknown>;
  }

  function checkStringArray(value: unknown, field: string): string[] {
    const arr = checkArray(value, field);
    arr.forEach((v, i) => checkString(v, `${field}[${i}]`));
    return arr as string[];
  }

  function checkRef(ref: DocumentRef): void {
    checkObject(ref, "ref");
    validateBankId(ref.bankId, P);
    validateId(ref.documentId, "documentId", P);
  }

  function checkRange(range: TimeRange, field: string): void {
    checkObject(range, field);
    checkDate(range.start, `${field}.start`);
    checkDate(range.end, `${field}.end`);
  }

  function checkTopK(value: unknown, fallback: number): number {
    return validateCount(value, fallback, "topK", P);
  }

  function checkSeeds(seeds: unknown): SectionAddress[] {
    const arr = checkArray(seeds, "seeds");
    arr.forEach((s, i) => {
      const pair = checkArray(s, `seeds[${i}]`);
      checkString(pair[0], `seeds[${i}][0]`);
      checkInteger(pair[1], `seeds[${i}][1]`);
    });
    return arr as SectionAddress[];
  }

  function stripPattern(pattern: string): string {
    return pattern.replaceAll("%", "").toLowerCase();
  }

  function validateSection(s: unknown, i: number, documentId: string): PageIndexSection {
    const f = `sections[${i}]`;
    const o = checkObject(s, f);
    if (o.documentId !== documentId) {
      fail(`${f}.documentId must equal the document id of the ref`, `${f}.documentId`);
    }
    checkInteger(o.lineNum, `${f}.lineNum`);
    checkString(o.nodeId, `${f}.nodeId`);
    checkString(o.title, `${f}.title`);
    checkOptionalString(o.summary, `${f}.summary`);
    if (o.summaryEmbedding !== undefined) {
      validateVector(o.summaryEmbedding, null, `${f}.summaryEmbedding`, P);
    }
    checkOptionalString(o.speaker, `${f}.speaker`);
    checkOptionalDate(o.sessionDate, `${f}.sessionDate`);
    checkOptionalString(o.parentNode, `${f}.parentNode`);
    if (o.depth !== undefined) checkInteger(o.depth, `${f}.depth`);
    checkOptionalDate(o.occurredStart, `${f}.occurredStart`);
    checkOptionalDate(o.occurredEnd, `${f}.occurredEnd`);
    checkOptionalString(o.sessionId, `${f}.sessionId`);
    return s as PageIndexSection;
  }

  function validateFact(x: unknown, i: number): MemoryFact {
    const f = `facts[${i}]`;
    const o = checkObject(x, f);
    validateId(o.id, `${f}.id`, P);
    validateBankId(o.bankId, P);
    checkString(o.text, `${f}.text`);
    checkString(o.factType, `${f}.factType`);
    if (o.documentId !== undefined) validateId(o.documentId, `${f}.documentId`, P);
    if (o.lineNum !== undefined) checkInteger(o.lineNum, `${f}.lineNum`);
    checkOptionalString(o.speaker, `${f}.speaker`);
    checkOptionalDate(o.occurredStart, `${f}.occurredStart`);
    checkOptionalDate(o.occurredEnd, `${f}.occurredEnd`);
    if (o.entities !== undefined) checkStringArray(o.entities, `${f}.entities`);
    if (o.embedding !== undefined) validateVector(o.embedding, null, `${f}.embedding`, P);
    if (o.confidenceScore !== undefined) checkFinite(o.confidenceScore, `${f}.confidenceScore`);
    checkOptionalDate(o.mentionedAt, `${f}.mentionedAt`);
    checkOptionalDate(o.eventDate, `${f}.eventDate`);
    return x as MemoryFact;
  }

  function validatePage(x: unknown): WikiPage {
    const o = checkObject(x, "page");
    validateId(o.pageId, "page.pageId", P);
    validateBankId(o.bankId, P);
    checkString(o.kind, "page.kind");
    checkString(o.title, "page.title");
    checkString(o.content, "page.content");
    checkString(o.scope, "page.scope");
    checkStringArray(o.sourceIds, "page.sourceIds");
    checkStringArray(o.crossLinks, "page.crossLinks");
    checkInteger(o.revision, "page.revision");
    checkDate(o.revisedAt, "page.revisedAt");
    if (o.tags !== undefined) checkStringArray(o.tags, "page.tags");
    if (o.metadata !== undefined) checkObject(o.metadata, "page.metadata");
    return x as WikiPage;
  }
  return {
    fail,
    checkString,
    checkOptionalString,
    checkInteger,
    checkFinite,
    checkDate,
    checkOptionalDate,
    checkArray,
    checkObject,
    checkStringArray,
    checkRef,
    checkRange,
    checkTopK,
    checkSeeds,
    stripPattern,
    validateSection,
    validateFact,
    validatePage,
  };
}
