#!/usr/bin/env bash
# The README's first command: installs what is missing, builds lawful (Release), and
# runs the main job on the bundled example data.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build

echo
echo "== The main job: every contact of examples/contacts.jsonl decided for examples/campaign.json"
build/lawful check policies --contacts examples/contacts.jsonl --campaign examples/campaign.json \
  -o build/decisions.jsonl || true
echo "Decisions written to build/decisions.jsonl:"
head -n 5 build/decisions.jsonl
echo "..."
