#!/usr/bin/env bash
# Builds the demo page into gateway/www/dist/ from the npm packages pinned by
# package-lock.json: one JavaScript bundle, one stylesheet, index.html.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
	touch node_modules
fi
rm -rf dist
mkdir -p dist
# sharedb tries require('util') and falls back to the inherits package.
npx --no-install esbuild src/app.js --bundle --minify --sourcemap --target=es2020 \
	--external:util --log-level=warning --outfile=dist/app.js
cp src/index.html src/favicon.svg dist/
echo "demo page built in $(pwd)/dist: $(du -sh dist | cut -f1)"
