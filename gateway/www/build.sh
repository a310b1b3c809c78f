#!/usr/bin/env bash
# Builds the demo page into gateway/www/dist/ from the npm packages pinned by
# package-lock.json: one JavaScript bundle and one stylesheet (Quill's snow
# theme, quill-cursors' and ours), named by their content's hash under
# assets/ (the gateway lets browsers keep those for a year), index.html
# pointing at them, and the icon.  Nothing is fetched at run time.
#
#   gateway/www/build.sh            npm ci when node_modules is missing or older
#                                   than package-lock.json, then bundle (esbuild)
#
# The new dist/ is built beside the old one and takes its place by rename, so
# a gateway serving it (pg_ot_gateway --www gateway/www/dist) never serves a
# half-built page.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null
	touch node_modules
fi
tmp=$(mktemp -d dist.new.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# sharedb tries require('util') and falls back to the inherits package.
npx --no-install esbuild src/app.js --bundle --minify --sourcemap --target=es2020 \
	--external:util --log-level=warning --outdir="$tmp" --entry-names='assets/[name]-[hash]' \
	--metafile="$tmp/meta.json"
# index.html names the hashed files; a new build is a new URL, never a stale cache.
node -e '
const fs = require("fs");
const [dir] = process.argv.slice(1);
const outputs = Object.keys(JSON.parse(fs.readFileSync(dir + "/meta.json", "utf8")).outputs)
	.map((o) => o.slice(o.indexOf("assets/")));
const named = (ext) => outputs.find((o) => o.endsWith(ext));
const html = fs.readFileSync("src/index.html", "utf8")
	.replace("href=\"app.css\"", `href="${named(".css")}"`)
	.replace("src=\"app.js\"", `src="${named(".js")}"`);
if (!html.includes(named(".css")) || !html.includes(named(".js"))) throw new Error("index.html: app.css or app.js not found");
fs.writeFileSync(dir + "/index.html", html);
fs.unlinkSync(dir + "/meta.json");
' "$tmp"
cp src/favicon.svg "$tmp/"
chmod 755 "$tmp"
if [ -d dist ]; then
	mv dist "$tmp.old"
	mv "$tmp" dist
	rm -rf "$tmp.old"
else
	mv "$tmp" dist
fi
echo "demo page built in $(pwd)/dist: $(du -sh dist | cut -f1)"
