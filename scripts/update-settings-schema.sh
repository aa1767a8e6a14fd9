#!/usr/bin/env bash
# Refresh the bundled copy of Claude Code's settings schema from SchemaStore (run by a maintainer,
# reviewed as a normal diff; cbcfg itself never fetches it).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
curl -fsSL https://json.schemastore.org/claude-code-settings.json \
  -o "$here/src/claude_bifrost_cfg/schemas/claude-code-settings.schema.json"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$here/src/claude_bifrost_cfg/schemas/claude-code-settings.schema.json"
echo "updated; run the tests and commit"
