#!/usr/bin/env bash
# Regenerate examples/lebak from templates/regency (run after changing the template;
# tests/test_templates.py fails while the committed example differs from the template's output).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
.venv/bin/pamong new-regency 36.02 --modules ktp,licensing --output-dir "$out" >/dev/null
rm -rf examples/lebak
mkdir -p examples
cp -a "$out/pamong-lebak" examples/lebak
echo "examples/lebak regenerated"
