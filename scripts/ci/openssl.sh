#!/usr/bin/env bash
# Issue 9: the TLS tests and `xdom certs` make certificates with the openssl command.
set -euo pipefail
command -v openssl >/dev/null || { apt-get update && apt-get install -y openssl; }
