#!/usr/bin/env bash
# Refreshes the browser files the processes serve themselves (no CDN at build or run time): each is
# copied unmodified from its npm package, with the package's licence beside it. To move to another
# version, change it here, run this script, and commit the files with the package names and versions.
#   bash deploy/vendor-web-assets.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# package@version  destination  files inside the package (FILE=NAME copies it under another name)
ASSETS=(
  "chart.js@4.6.1        gateway/web/vendor                 dist/chart.umd.min.js LICENSE.md=chart.js.LICENSE.md"
  "graphiql@3.8.3        gateway/web/vendor/graphiql        graphiql.min.js graphiql.min.css LICENSE"
  "react@18.3.1          gateway/web/vendor/react           umd/react.production.min.js LICENSE"
  "react-dom@18.3.1      gateway/web/vendor/react-dom       umd/react-dom.production.min.js LICENSE"
  "oidc-client-ts@3.5.0   gateway/web/vendor/oidc-client-ts  dist/browser/oidc-client-ts.min.js LICENSE"
  "js-sha256@1.0.0        gateway/web/vendor/js-sha256       build/sha256.min.mjs LICENSE.txt=LICENSE"
  "swagger-ui-dist@5.35.0 common/static/swagger-ui          swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE"
)

for line in "${ASSETS[@]}"; do
  read -r package destination files <<<"$line"
  unpacked="$work/${package//\//_}"
  mkdir -p "$unpacked" "$destination"
  (cd "$work" && npm pack --silent "$package" >"$unpacked.name")
  tar -xzf "$work/$(cat "$unpacked.name")" -C "$unpacked"
  for file in $files; do
    source=${file%%=*}
    name=${file#*=}
    cp "$unpacked/package/$source" "$destination/$(basename "$name")"
  done
  echo "$package -> $destination"
done
