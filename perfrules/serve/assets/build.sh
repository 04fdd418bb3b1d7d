#!/usr/bin/env bash
# Rebuild perfrules/serve/static/editor.min.js (CodeMirror 6 + the rule-grammar mode) from npm.
# The output is committed: the server never fetches anything at run time.
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund
npx esbuild editor.js --bundle --minify --format=iife --legal-comments=none --outfile=../static/editor.min.js
# Licence notices of everything bundled.
{
  echo "editor.min.js bundles the following npm packages (MIT licence):"
  for p in node_modules/@codemirror/* node_modules/@lezer/* node_modules/style-mod node_modules/w3c-keyname node_modules/crelt; do
    [ -d "$p" ] || continue
    echo; echo "=== $(node -p "require('./$p/package.json').name + ' ' + require('./$p/package.json').version") ==="
    cat "$p"/LICENSE* 2>/dev/null || true
  done
} > ../static/editor.LICENSES.txt
