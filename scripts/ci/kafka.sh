#!/usr/bin/env bash
# CI: what the Kafka tests need (issue 12): a JDK (17+) and mvn to fetch the broker from
# Maven Central, kcat, then the broker's jars fetched once into the cache (scripts/kafka/broker.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
command -v java >/dev/null || need+=(default-jre-headless)   # 17 or newer
command -v mvn >/dev/null || need+=(maven)
command -v kcat >/dev/null || need+=(kcat)   # the README's reader, in a test
if [ ${#need[@]} -gt 0 ]; then apt-get update && apt-get install -y --no-install-recommends "${need[@]}"; fi
scripts/kafka/broker.sh fetch
