#!/usr/bin/env bash
# Regenerates deno.lock: the npm resolution of every package's `imports`, as JSR consumers
# and `deno publish` see it. The workspace itself runs with "nodeModulesDir": "manual"
# (npm installs node_modules from package-lock.json), where Deno does not lock npm packages,
# so the lock is produced in a scratch copy with Deno's own npm resolver.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
git -C "$root" ls-files -z | (cd "$root" && xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$scratch"
cd "$scratch"
rm -f package.json package-lock.json deno.lock
sed -i 's/"nodeModulesDir": "manual"/"nodeModulesDir": "none"/' deno.json
DENO_DIR="$scratch/.deno_dir" "$root/node_modules/.bin/deno" install --entrypoint \
  core/mod.ts core/testing/mod.ts adapters/libsql/mod.ts adapters/postgres/pglite.ts \
  adapters/upstash/mod.ts adapters/openai/mod.ts cli/mod.ts >/dev/null
cp deno.lock "$root/deno.lock"
echo "deno.lock updated"
