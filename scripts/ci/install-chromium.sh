#!/usr/bin/env bash
# The live view's browser tests (test/integration/view*.test.ts) drive Debian's Chromium with
# playwright-core; never a browser download. Idempotent: installs only when it is missing.
set -euo pipefail
command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || { apt-get update && apt-get install -y chromium; }
