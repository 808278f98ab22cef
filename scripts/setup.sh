#!/usr/bin/env bash
# The README's first command: installs what is missing, builds lawful (Release), and
# runs the main job on the bundled example data.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build

echo
echo "== The main job: 100,000 synthetic contacts (a CRM export) decided for examples/campaign.json"
build/lawful gen-contacts --n 100000 --seed 1 -o build/contacts.jsonl
build/lawful check policies --contacts build/contacts.jsonl --campaign examples/campaign.json \
  -o build/decisions.jsonl --summary build/summary.json || true
echo
echo "Decisions written to build/decisions.jsonl (one per contact, in order), the summary to build/summary.json:"
head -n 3 build/decisions.jsonl
echo "..."
