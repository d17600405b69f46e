/**
 * @astrocyte/openai — placeholder while the adapter is being built.
 *
 * @module
 */
/** The adapter's package name. */
export const PACKAGE_NAME: string = "@astrocyte/openai";
