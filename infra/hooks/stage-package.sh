#!/bin/sh
# azd prepackage hook: stages what the Functions host runs into dist/azure-package (azure.yaml `dist`):
# host.json, package.json, the compiled app, and the production dependencies from the lockfile. The dev
# tooling (TypeScript, Jest, Azurite, the pinned Node binary, ...) stays behind.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
stage="$root/dist/azure-package"
cd "$root"
npm run build
rm -rf "$stage"
mkdir -p "$stage/dist"
cp host.json package.json package-lock.json "$stage/"
cp -R dist/src "$stage/dist/src"
cd "$stage"
# No lifecycle scripts: `prepare` would build again, without the dev tooling it needs.
npm ci --omit=dev --ignore-scripts --no-audit --no-fund
npm pkg delete scripts
echo "staged $(du -sh "$stage" | cut -f1) in dist/azure-package"
