/**
 * Release checks for the workspace, run in CI and before every publish:
 *
 * - every package's `deno.json` has a name, a valid semver version, a license, exports and a
 *   `publish.exclude` that keeps tests out;
 * - a package whose published files changed since the last release tag has a bumped version
 *   (no previous tag: first release, nothing to compare);
 * - when core moves outside the `^` range the published adapters pin (a 0.x minor or a major),
 *   every adapter is re-bumped too;
 * - every adapter resolves `@astrocyte/core` through the workspace or a range that accepts the
 *   current core, imports only exported core entry points, and exports a plugin that declares a
 *   supported `spiVersion`;
 * - every package README has an install snippet and a config snippet;
 * - the root README's package table lists every registry key (plugin names and aliases).
 *
 * ```sh
 * npx deno task check:release [--root <dir>] [--base <git ref>]
 * ```
 *
 * Exits 1 with the list of problems, 0 when there are none.
 *
 * @module
 */

/** One problem found by a check. */
export interface Problem {
  /** The package (or `README.md` / `workspace`) the problem belongs to. */
  where: string;
  /** What is wrong and how to fix it. */
  message: string;
}

/** The fields of a member `deno.json` this script reads. */
export interface PackageManifest {
  /** Package name, e.g. `@astrocyte/core`. */
  name?: string;
  /** Version, e.g. `0.1.0`. */
  version?: string;
  /** SPDX license. */
  license?: string;
  /** Export map or single entry. */
  exports?: string | Record<string, string>;
  /** Import map. */
  imports?: Record<string, string>;
  /** Publish include/exclude, or `false` for a private member. */
  publish?: false | { include?: string[]; exclude?: string[] };
}

/** A workspace member. */
export interface WorkspacePackage {
  /** Directory relative to the root, without `./`, e.g. `adapters/libsql`. */
  dir: string;
  /** Its manifest. */
  manifest: PackageManifest;
}

// ---------------------------------------------------------------------------------------------
// Semver
// ---------------------------------------------------------------------------------------------

/** A parsed semantic version. */
export interface Semver {
  /** Major. */
  major: number;
  /** Minor. */
  minor: number;
  /** Patch. */
  patch: number;
  /** Pre-release identifiers (`["rc", "1"]`), empty for a release. */
  prerelease: string[];
}

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * Parse a SemVer 2.0.0 version.
 *
 * @param version The version text.
 * @returns The parsed version, or `undefined` when it is not valid semver.
 */
export function parseSemver(version: string): Semver | undefined {
  const m = SEMVER.exec(version);
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] ? m[4].split(".") : [],
  };
}

/**
 * Compare two versions by SemVer precedence.
 *
 * @param a A parsed version.
 * @param b Another parsed version.
 * @returns Negative when `a < b`, 0 when equal, positive when `a > b`.
 */
export function compareSemver(a: Semver, b: Semver): number {
  for (const k of ["major", "minor", "patch"] as const) {
    if (a[k] !== b[k]) return a[k] - b[k];
  }
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return b.prerelease.length - a.prerelease.length;
  }
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Whether a range accepts a version, with npm/JSR semantics for `^`, `~`, exact and `*`
 * (`^0.1.0` accepts `0.1.x` only; pre-releases only match a range with the same x.y.z).
 *
 * @param range The range, e.g. `^0.1.0`.
 * @param version The version, e.g. `0.1.3`.
 * @returns Whether the version satisfies the range; `false` for ranges this does not understand.
 */
export function rangeAccepts(range: string, version: string): boolean {
  const v = parseSemver(version);
  if (!v) return false;
  const r = range.trim();
  if (r === "*" || r === "") return v.prerelease.length === 0;
  const m = /^(\^|~|=)?\s*(.+)$/.exec(r)!;
  const base = parseSemver(m[2]!);
  if (!base) return false;
  if (
    v.prerelease.length > 0 &&
    (v.major !== base.major || v.minor !== base.minor || v.patch !== base.patch)
  ) return false;
  if (compareSemver(v, base) < 0) return false;
  switch (m[1]) {
    case undefined:
    case "=":
      return compareSemver(v, base) === 0;
    case "~":
      return v.major === base.major && v.minor === base.minor;
    default: // ^
      if (base.major > 0) return v.major === base.major;
      if (base.minor > 0) return v.major === 0 && v.minor === base.minor;
      return v.major === 0 && v.minor === 0 && v.patch === base.patch;
  }
}

/**
 * Whether moving core from `from` to `to` leaves the `^from` range that adapters published
 * against it pin (Deno unfurls `@astrocyte/core` to `jsr:@astrocyte/core@^<version>`): a major,
 * a 0.x minor or a 0.0.x patch change.
 *
 * @param from Core's version at the last release.
 * @param to Core's version now.
 * @returns Whether every adapter must be re-bumped.
 */
export function leavesCaretRange(from: string, to: string): boolean {
  return from !== to && !rangeAccepts(`^${from}`, to);
}

// ---------------------------------------------------------------------------------------------
// Manifests and published files
// ---------------------------------------------------------------------------------------------

/**
 * Convert a `publish.include`/`exclude` glob (gitignore style) to a RegExp over paths relative
 * to the package (`a/b.ts`). A pattern without a slash matches at any depth; a pattern naming a
 * directory matches everything below it.
 *
 * @param glob The glob, e.g. `**\/*_test.ts` or `tests/`.
 * @returns The RegExp.
 */
export function globToRegExp(glob: string): RegExp {
  let g = glob.replace(/^\.\//, "");
  if (!g.replace(/\/$/, "").includes("/")) g = `**/${g}`;
  g = g.replace(/\/$/, "");
  let re = "";
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === "*" && g[i + 1] === "*") {
      if (g[i + 2] === "/") {
        re += "(?:.*/)?";
        i += 2;
      } else {
        re += ".*";
        i += 1;
      }
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}(?:/.*)?$`);
}

/**
 * Whether a file (path relative to its package) is published, per `publish.include`/`exclude`.
 *
 * @param path The file path relative to the package directory.
 * @param manifest The package manifest.
 * @returns Whether `deno publish` ships it.
 */
export function isPublished(path: string, manifest: PackageManifest): boolean {
  if (manifest.publish === false) return false;
  const { include, exclude } = manifest.publish ?? {};
  if (include && !include.some((g) => globToRegExp(g).test(path))) return false;
  return !(exclude ?? []).some((g) => globToRegExp(g).test(path));
}

/**
 * Problems with a member's manifest.
 *
 * @param pkg The workspace member.
 * @returns The problems (empty when fine).
 */
export function checkManifest(pkg: WorkspacePackage): Problem[] {
  const m = pkg.manifest;
  const where = m.name ?? pkg.dir;
  const out: Problem[] = [];
  if (m.publish === false) return out;
  const short = pkg.dir.split("/").pop();
  if (!m.name) out.push({ where, message: "deno.json has no name" });
  else if (!/^@astrocyte\/[a-z][a-z0-9_-]*$/.test(m.name)) {
    out.push({ where, message: `name ${m.name} is not @astrocyte/<lowercase name>` });
  } else if (pkg.dir.startsWith("adapters/") && m.name !== `@astrocyte/${short}`) {
    out.push({ where, message: `name ${m.name} does not match its directory ${pkg.dir}` });
  }
  if (!m.version) out.push({ where, message: "deno.json has no version (deno publish stops)" });
  else if (!parseSemver(m.version)) {
    out.push({ where, message: `version "${m.version}" is not valid semver` });
  }
  if (!m.license) out.push({ where, message: "deno.json has no license (deno publish stops)" });
  if (!m.exports) out.push({ where, message: "deno.json has no exports" });
  if (isPublished("a_test.ts", m) || isPublished("x/a_test.ts", m)) {
    out.push({ where, message: 'publish.exclude does not exclude tests: add "**/*_test.ts"' });
  }
  return out;
}

/** What the bump check knows about one package at the base tag. */
export interface BaseState {
  /** The version at the base tag, or `undefined` when the package did not exist then. */
  version: string | undefined;
  /** Published files (relative to the package) changed since the base tag. */
  changed: string[];
}

/**
 * The version-bump rules: a package with changed published files has a new version, versions
 * never go backwards, and when core leaves the `^` range adapters pin, every adapter is
 * re-bumped.
 *
 * @param packages The workspace members.
 * @param base The state of each member (by dir) at the base tag.
 * @param tag The base tag name, for messages.
 * @returns The problems.
 */
export function checkBumps(
  packages: readonly WorkspacePackage[],
  base: ReadonlyMap<string, BaseState>,
  tag: string,
): Problem[] {
  const out: Problem[] = [];
  for (const pkg of packages) {
    const m = pkg.manifest;
    const state = base.get(pkg.dir);
    if (m.publish === false || !m.version || !state || state.version === undefined) continue;
    const where = m.name ?? pkg.dir;
    const now = parseSemver(m.version);
    const then = parseSemver(state.version);
    if (!now || !then) continue;
    const cmp = compareSemver(now, then);
    if (cmp < 0) {
      out.push({ where, message: `version ${m.version} is lower than ${state.version} at ${tag}` });
    } else if (cmp === 0 && state.changed.length > 0) {
      const list = state.changed.slice(0, 5).join(", ") +
        (state.changed.length > 5 ? `, … (${state.changed.length} files)` : "");
      out.push({
        where,
        message: `published files changed since ${tag} (${list}) but the version is still ` +
          `${m.version}: bump it (deno bump-version, or edit deno.json)`,
      });
    }
  }
  const core = packages.find((p) => p.manifest.name === "@astrocyte/core");
  const coreThen = core && base.get(core.dir)?.version;
  const coreNow = core?.manifest.version;
  if (coreThen && coreNow && parseSemver(coreThen) && parseSemver(coreNow)) {
    if (leavesCaretRange(coreThen, coreNow)) {
      for (const pkg of packages) {
        if (pkg === core || pkg.manifest.publish === false) continue;
        const then = base.get(pkg.dir)?.version;
        if (then !== undefined && then === pkg.manifest.version) {
          out.push({
            where: pkg.manifest.name ?? pkg.dir,
            message: `core moved ${coreThen} → ${coreNow}, outside ^${coreThen} that the ` +
              `published ${pkg.manifest.name}@${then} pins: re-bump and re-publish it`,
          });
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Adapters: core dependency and plugins
// ---------------------------------------------------------------------------------------------

/**
 * Module specifiers imported or re-exported by a TypeScript source (static and literal dynamic
 * imports).
 *
 * @param source TypeScript source.
 * @returns The specifiers.
 */
export function importSpecifiers(source: string): string[] {
  const out: string[] = [];
  const re =
    /(?:^|[;\s}])(?:import|export)\s[^;'"]*?from\s*["']([^"']+)["']|(?:^|[;\s])import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/**
 * Problems with how an adapter depends on core: the deno.json import map entry (if any) must be
 * a `jsr:@astrocyte/core@<range>` that accepts the current core; source files must import core
 * by name (no relative paths out of the package) and only through entry points core exports.
 *
 * @param pkg The adapter.
 * @param sources Published source files of the adapter: path (relative to it) → text.
 * @param core Core's manifest.
 * @returns The problems.
 */
export function checkCoreDependency(
  pkg: WorkspacePackage,
  sources: ReadonlyMap<string, string>,
  core: PackageManifest,
): Problem[] {
  const where = pkg.manifest.name ?? pkg.dir;
  const out: Problem[] = [];
  const coreVersion = core.version ?? "0.0.0";
  const coreExports = typeof core.exports === "string"
    ? ["."]
    : Object.keys(core.exports ?? { ".": "" });
  const checkRange = (spec: string, origin: string) => {
    const m = /^jsr:@astrocyte\/core@([^/]+)(\/.*)?$/.exec(spec);
    if (!m) {
      out.push({
        where,
        message: `${origin} maps @astrocyte/core to ${spec}: use the workspace (no entry) or ` +
          `jsr:@astrocyte/core@^${coreVersion}`,
      });
    } else if (!rangeAccepts(m[1]!, coreVersion)) {
      out.push({
        where,
        message: `${origin} pins @astrocyte/core@${
          m[1]
        }, which does not accept core ${coreVersion}`,
      });
    }
  };
  for (const [key, value] of Object.entries(pkg.manifest.imports ?? {})) {
    if (key === "@astrocyte/core" || key.startsWith("@astrocyte/core/")) {
      checkRange(value, "deno.json imports");
    }
  }
  for (const [file, text] of sources) {
    const depth = file.split("/").length - 1;
    for (const spec of importSpecifiers(text)) {
      if (spec.startsWith("jsr:@astrocyte/core")) checkRange(spec, file);
      else if (spec.startsWith("../")) {
        const ups = spec.match(/\.\.\//g)!.length;
        if (ups > depth) {
          out.push({
            where,
            message:
              `${file} imports ${spec}, outside the package: import "@astrocyte/core" instead`,
          });
        }
      } else if (spec === "@astrocyte/core" || spec.startsWith("@astrocyte/core/")) {
        const sub = spec === "@astrocyte/core" ? "." : `./${spec.slice("@astrocyte/core/".length)}`;
        if (!coreExports.includes(sub)) {
          out.push({
            where,
            message: `${file} imports ${spec}, which core does not export (${
              coreExports.join(", ")
            })`,
          });
        }
      }
    }
  }
  return out;
}

/** A plugin found among a module's exports. */
export interface FoundPlugin {
  /** The export name (`libsql`, or `inMemory[0]` for a member of an exported tuple). */
  exportName: string;
  /** Config key. */
  name: string;
  /** Aliases. */
  aliases: string[];
  /** The declared SPI version, as exported. */
  spiVersion: unknown;
  /** Plugin fields that hold factories (`vectorStore`, …). */
  families: string[];
}

/** Information about one SPI family the plugin check needs. */
export interface FamilyVersions {
  /** Versions core accepts for that family. */
  readonly supportedVersions: readonly number[];
}

/**
 * Find adapter plugins among a module's exports: objects with a string `name` and either a
 * `spiVersion` or at least one family factory; exported arrays of such objects count too.
 *
 * @param exports The module namespace.
 * @param families The family table (its keys are the plugin fields).
 * @returns The plugins found.
 */
export function findPlugins(
  exports: Readonly<Record<string, unknown>>,
  families: Readonly<Record<string, FamilyVersions>>,
): FoundPlugin[] {
  const out: FoundPlugin[] = [];
  const seen = new Set<unknown>();
  const consider = (value: unknown, exportName: string) => {
    if (value === null || typeof value !== "object" || seen.has(value)) return;
    const o = value as Record<string, unknown>;
    if (typeof o.name !== "string") return;
    const fams = Object.keys(families).filter((f) => typeof o[f] === "function");
    if (!("spiVersion" in o) && fams.length === 0) return;
    seen.add(value);
    out.push({
      exportName,
      name: o.name,
      aliases: Array.isArray(o.aliases) ? o.aliases.filter((a) => typeof a === "string") : [],
      spiVersion: o.spiVersion,
      families: fams,
    });
  };
  for (const [key, value] of Object.entries(exports)) {
    if (Array.isArray(value)) value.forEach((v, i) => consider(v, `${key}[${i}]`));
    else consider(value, key);
  }
  return out;
}

/**
 * Problems with the plugins of a package: an adapter must export at least one; each must
 * declare a `spiVersion` that core supports for every family it provides.
 *
 * @param where The package name.
 * @param plugins The plugins found in its `"."` entry point.
 * @param families The family table from core.
 * @param isAdapter Whether the package is an adapter (must export a plugin).
 * @returns The problems.
 */
export function checkPlugins(
  where: string,
  plugins: readonly FoundPlugin[],
  families: Readonly<Record<string, FamilyVersions>>,
  isAdapter: boolean,
): Problem[] {
  const out: Problem[] = [];
  if (isAdapter && plugins.length === 0) {
    out.push({ where, message: "mod.ts exports no AdapterPlugin (name + spiVersion + factories)" });
  }
  for (const p of plugins) {
    const label = `plugin ${p.exportName} ("${p.name}")`;
    if (p.families.length === 0) {
      out.push({ where, message: `${label} provides no family factory` });
    }
    const v = p.spiVersion;
    if (v === undefined) {
      out.push({ where, message: `${label} does not declare spiVersion` });
      continue;
    }
    for (const fam of p.families) {
      const declared = typeof v === "number"
        ? v
        : v !== null && typeof v === "object"
        ? (v as Record<string, unknown>)[fam]
        : undefined;
      const supported = families[fam]?.supportedVersions ?? [];
      if (typeof declared !== "number") {
        out.push({ where, message: `${label} declares no spiVersion for ${fam}` });
      } else if (!supported.includes(declared)) {
        out.push({
          where,
          message: `${label} declares ${fam} SPI version ${declared}; core supports ${
            supported.join(", ")
          }`,
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// READMEs
// ---------------------------------------------------------------------------------------------

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * Problems with a package README: it must exist and carry an install snippet for Deno
 * (`deno add jsr:<pkg>`) and for Node/Bun (`npx jsr add <pkg>`, `bunx jsr add`, `pnpm add jsr:`,
 * `yarn add jsr:`), and a config snippet (a ```yaml or ```ts fence).
 *
 * @param packageName The package name.
 * @param readme The README text, or `undefined` when missing.
 * @returns The problems.
 */
export function checkReadme(packageName: string, readme: string | undefined): Problem[] {
  const where = packageName;
  if (readme === undefined) {
    return [{ where, message: "README.md is missing (install and config snippets expected)" }];
  }
  const out: Problem[] = [];
  const pkg = escapeRe(packageName);
  const end = "(?![\\w-])";
  if (!new RegExp(`deno add [^\\n\`]*jsr:${pkg}${end}`).test(readme)) {
    out.push({
      where,
      message: `README.md has no Deno install snippet (deno add jsr:${packageName})`,
    });
  }
  const node = [
    `(?:npx|bunx|pnpm dlx|yarn dlx) jsr add [^\\n\`]*${pkg}${end}`,
    `(?:pnpm|yarn) add [^\\n\`]*jsr:${pkg}${end}`,
  ];
  if (!node.some((p) => new RegExp(p).test(readme))) {
    out.push({
      where,
      message: `README.md has no Node/Bun install snippet (npx jsr add ${packageName})`,
    });
  }
  if (!/^\s*(```|~~~)\s*(yaml|yml|ts|typescript)\b/m.test(readme)) {
    out.push({ where, message: "README.md has no config snippet (a ```yaml or ```ts fence)" });
  }
  return out;
}

/**
 * The rows of the root README's package table: package name → backticked tokens of the row.
 *
 * @param readme The root README text.
 * @returns Package name → tokens found in its row.
 */
export function parsePackageTable(readme: string): Map<string, Set<string>> {
  const rows = new Map<string, Set<string>>();
  for (const line of readme.split("\n")) {
    if (!line.trimStart().startsWith("|")) continue;
    const cells = line.split("|").slice(1, -1);
    const pkg = /`(@astrocyte\/[a-z0-9_-]+)`/.exec(cells[0] ?? "")?.[1];
    if (!pkg) continue;
    const tokens = new Set<string>();
    for (const cell of cells.slice(1)) {
      for (const m of cell.matchAll(/`([^`]+)`/g)) tokens.add(m[1]!.trim());
    }
    rows.set(pkg, tokens);
  }
  return rows;
}

/**
 * Problems with the root README's package table: a row per package, and every registry key
 * (plugin names and aliases) of that package in backticks in its row.
 *
 * @param readme The root README text, or `undefined` when missing.
 * @param keys Package name → its registry keys.
 * @returns The problems.
 */
export function checkPackageTable(
  readme: string | undefined,
  keys: ReadonlyMap<string, readonly string[]>,
): Problem[] {
  const where = "README.md";
  if (readme === undefined) return [{ where, message: "the root README.md is missing" }];
  const rows = parsePackageTable(readme);
  const out: Problem[] = [];
  for (const [pkg, list] of keys) {
    const row = rows.get(pkg);
    if (!row) {
      out.push({ where, message: `the package table has no row for \`${pkg}\`` });
      continue;
    }
    for (const key of list) {
      if (!row.has(key)) {
        out.push({
          where,
          message: `the \`${pkg}\` row does not list the registry key \`${key}\``,
        });
      }
    }
  }
  return out;
}

/**
 * Registry keys declared by more than one package (they would clash in one registry).
 *
 * @param keys Package name → its registry keys.
 * @returns The problems.
 */
export function checkDuplicateKeys(keys: ReadonlyMap<string, readonly string[]>): Problem[] {
  const owner = new Map<string, string>();
  const out: Problem[] = [];
  for (const [pkg, list] of keys) {
    for (const key of list) {
      const first = owner.get(key);
      if (first && first !== pkg) {
        out.push({ where: pkg, message: `registry key "${key}" is also declared by ${first}` });
      } else owner.set(key, pkg);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Git
// ---------------------------------------------------------------------------------------------

/** Tag patterns that mark a release (see RELEASING.md). */
export const RELEASE_TAG_PATTERNS: readonly string[] = ["release-*", "v*"];

async function git(root: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const res = await new Deno.Command("git", {
      args,
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { ok: res.success, out: new TextDecoder().decode(res.stdout).trim() };
  } catch {
    return { ok: false, out: "" };
  }
}

/**
 * The last release tag before the working tree: the nearest tag matching
 * {@linkcode RELEASE_TAG_PATTERNS} reachable from HEAD, or from HEAD's parent when HEAD itself
 * carries a release tag and the packages have no uncommitted changes (a tag-triggered publish
 * compares against the previous release).
 *
 * @param root The repository root.
 * @param paths Where uncommitted changes count (the package directories); everywhere if empty.
 * @returns The tag, or `undefined` when there is none (first release) or no git repository.
 */
export async function lastReleaseTag(
  root: string,
  paths: readonly string[] = [],
): Promise<string | undefined> {
  const match = RELEASE_TAG_PATTERNS.flatMap((p) => ["--match", p]);
  const atHead = await git(root, ["tag", "--points-at", "HEAD", "--list", ...RELEASE_TAG_PATTERNS]);
  const status = await git(root, ["status", "--porcelain", "--", ...paths]);
  const ref = atHead.ok && atHead.out !== "" && status.ok && status.out === "" ? "HEAD^" : "HEAD";
  const res = await git(root, ["describe", "--tags", "--abbrev=0", ...match, ref]);
  return res.ok && res.out !== "" ? res.out : undefined;
}

/**
 * The state of every package at a git ref: its version then and its published files that
 * changed since (committed, staged, unstaged and untracked).
 *
 * @param root The repository root.
 * @param ref The base ref (a tag).
 * @param packages The workspace members.
 * @returns Dir → state.
 */
export async function baseStates(
  root: string,
  ref: string,
  packages: readonly WorkspacePackage[],
): Promise<Map<string, BaseState>> {
  const out = new Map<string, BaseState>();
  for (const pkg of packages) {
    const shown = await git(root, ["show", `${ref}:./${pkg.dir}/deno.json`]);
    let version: string | undefined;
    if (shown.ok) {
      try {
        version = JSON.parse(shown.out).version;
      } catch { /* unparsable then: treat as new */ }
    }
    const diff = await git(root, ["diff", "--relative", "--name-only", ref, "--", pkg.dir]);
    const untracked = await git(root, [
      "ls-files",
      "--others",
      "--exclude-standard",
      "--",
      pkg.dir,
    ]);
    const files = [...diff.out.split("\n"), ...untracked.out.split("\n")]
      .filter((f) => f !== "")
      .map((f) => f.slice(pkg.dir.length + 1))
      .filter((f) => isPublished(f, pkg.manifest));
    out.set(pkg.dir, { version, changed: [...new Set(files)].sort() });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Read the workspace members listed in the root deno.json. */
export async function readWorkspace(root: string): Promise<WorkspacePackage[]> {
  const cfg = JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
  const members: string[] = cfg.workspace ?? [];
  const out: WorkspacePackage[] = [];
  for (const member of members) {
    const dir = member.replace(/^\.\//, "").replace(/\/$/, "");
    const manifest = JSON.parse(await Deno.readTextFile(`${root}/${dir}/deno.json`));
    out.push({ dir, manifest });
  }
  return out;
}

async function publishedSources(root: string, pkg: WorkspacePackage): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for await (const e of Deno.readDir(`${root}/${pkg.dir}${rel ? `/${rel}` : ""}`)) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory && e.name !== "node_modules" && !e.name.startsWith(".")) await walk(path);
      else if (
        e.isFile && /\.(ts|tsx|mts|js|mjs)$/.test(e.name) && isPublished(path, pkg.manifest)
      ) {
        out.set(path, await Deno.readTextFile(`${root}/${pkg.dir}/${path}`));
      }
    }
  };
  await walk("");
  return out;
}

/** The outcome of a full run. */
export interface ReleaseReport {
  /** The base tag, or `undefined` for a first release. */
  tag: string | undefined;
  /** Package name → version and registry keys, for the summary. */
  packages: { name: string; version: string; keys: string[] }[];
  /** Everything that is wrong. */
  problems: Problem[];
}

/**
 * Run every check on the workspace at `root`.
 *
 * @param root The repository root.
 * @param baseRef A git ref to compare against instead of the last release tag.
 * @returns The report.
 */
export async function checkRelease(root: string, baseRef?: string): Promise<ReleaseReport> {
  const packages = await readWorkspace(root);
  const problems: Problem[] = [];
  for (const pkg of packages) problems.push(...checkManifest(pkg));

  const tag = baseRef ?? await lastReleaseTag(root, packages.map((p) => p.dir));
  if (tag !== undefined) {
    problems.push(...checkBumps(packages, await baseStates(root, tag, packages), tag));
  }

  const core = packages.find((p) => p.manifest.name === "@astrocyte/core");
  let families: Record<string, FamilyVersions> = {};
  const keys = new Map<string, string[]>();
  const summary: ReleaseReport["packages"] = [];
  const entry = (pkg: WorkspacePackage): string | undefined => {
    const e = pkg.manifest.exports;
    return typeof e === "string" ? e : e?.["."];
  };
  const load = async (pkg: WorkspacePackage): Promise<Record<string, unknown> | undefined> => {
    const main = entry(pkg);
    if (!main) return undefined;
    const url = new URL(main, `file://${Deno.realPathSync(`${root}/${pkg.dir}`)}/`).href;
    try {
      return await import(url);
    } catch (e) {
      problems.push({
        where: pkg.manifest.name ?? pkg.dir,
        message: `cannot import ${pkg.dir}/${main.replace(/^\.\//, "")}: ${
          e instanceof Error ? e.message.split("\n")[0] : e
        }`,
      });
      return undefined;
    }
  };
  if (!core) problems.push({ where: "workspace", message: "no @astrocyte/core member" });
  else {
    const mod = await load(core);
    const table = mod?.SPI_FAMILIES;
    if (table && typeof table === "object") families = table as Record<string, FamilyVersions>;
    else problems.push({ where: "@astrocyte/core", message: "core does not export SPI_FAMILIES" });
    if (mod) {
      const plugins = findPlugins(mod, families);
      problems.push(...checkPlugins("@astrocyte/core", plugins, families, false));
      keys.set("@astrocyte/core", plugins.flatMap((p) => [p.name, ...p.aliases]));
    }
  }
  for (const pkg of packages) {
    const name = pkg.manifest.name;
    if (!name || pkg.manifest.publish === false) continue;
    if (pkg !== core) {
      if (core) {
        problems.push(
          ...checkCoreDependency(pkg, await publishedSources(root, pkg), core.manifest),
        );
      }
      const mod = await load(pkg);
      if (mod) {
        const plugins = findPlugins(mod, families);
        problems.push(...checkPlugins(name, plugins, families, pkg.dir.startsWith("adapters/")));
        keys.set(name, plugins.flatMap((p) => [p.name, ...p.aliases]));
      }
    }
    problems.push(...checkReadme(name, await readText(`${root}/${pkg.dir}/README.md`)));
    summary.push({ name, version: pkg.manifest.version ?? "?", keys: keys.get(name) ?? [] });
  }
  problems.push(...checkDuplicateKeys(keys));
  problems.push(...checkPackageTable(await readText(`${root}/README.md`), keys));
  return { tag, packages: summary, problems };
}

async function main(): Promise<number> {
  let root = ".";
  let base: string | undefined;
  for (let i = 0; i < Deno.args.length; i++) {
    const a = Deno.args[i];
    if (a === "--root") root = Deno.args[++i] ?? ".";
    else if (a === "--base") base = Deno.args[++i];
    else {
      console.error(`Usage: check_release.ts [--root <dir>] [--base <git ref>] (unknown: ${a})`);
      return 2;
    }
  }
  const report = await checkRelease(root, base);
  console.log(
    report.tag === undefined
      ? "check:release: no previous release tag: first release, version bumps not compared"
      : `check:release: comparing with ${report.tag}`,
  );
  for (const p of report.packages) {
    console.log(`  ${p.name}@${p.version}  keys: ${p.keys.join(", ") || "(none)"}`);
  }
  if (report.problems.length === 0) {
    console.log("check:release: ok, no problems");
    return 0;
  }
  console.error(`check:release: ${report.problems.length} problem(s):`);
  for (const p of report.problems) console.error(`  - ${p.where}: ${p.message}`);
  return 1;
}

if (import.meta.main) Deno.exit(await main());
