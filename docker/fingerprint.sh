#!/usr/bin/env bash
# Names every file in site/assets/ after its content (app.css -> app.<sha256:10>.css) and
# rewrites the references in site/*.html, so nginx can cache assets forever (`immutable`):
# a changed file gets a new name. Run it after editing an asset; the tests check it was run.
set -euo pipefail

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "Usage: docker/fingerprint.sh    # renames site/assets/* to content-hashed names"
  exit 0
fi

site="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/site"
for file in "$site"/assets/*; do
  name="$(basename "$file")"
  ext="${name##*.}"
  stem="${name%.*}"
  stem="${stem%.[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]}"
  hash="$(sha256sum "$file" | cut -c1-10)"
  target="$stem.$hash.$ext"
  [[ "$name" == "$target" ]] && continue
  mv "$file" "$site/assets/$target"
  for html in "$site"/*.html; do
    sed -i -E "s#/assets/$stem(\.[0-9a-f]{10})?\.$ext#/assets/$target#g" "$html"
  done
  echo "fingerprint: $name -> $target"
done
