#!/usr/bin/env bash
# The type-check and ESLint side by side (`npm test` runs this, then jest): each holds one core for a minute or so.
# Exits non-zero when either fails; both always run to the end, so one run shows every error of both.
set -u
cd "$(dirname "$0")/.." || exit 1
(npx tsc -p tsconfig.dev.json && npx tsc -p tsconfig.skeletons.json) &
typecheck=$!
npx eslint --max-warnings 0 .
lint=$?
wait "$typecheck"
types=$?
[ "$lint" -eq 0 ] && [ "$types" -eq 0 ]
