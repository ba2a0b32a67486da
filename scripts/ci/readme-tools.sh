#!/usr/bin/env bash
# The README examples test (test/integration/readme.test.ts) runs the README's curl commands.
set -euo pipefail
command -v curl >/dev/null || { apt-get update && apt-get install -y curl; }
