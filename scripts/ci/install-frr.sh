#!/usr/bin/env bash
# The FRR lab tests (issue 13): FRR's daemons (zebra, ospfd, bgpd) and iperf3, from Debian.
# Idempotent: installs only what is missing. The daemons are started by the tests in their
# own namespaces; the postinst does not start frr.service (no systemd in CI), which is right.
set -euo pipefail
missing=()
[ -x /usr/lib/frr/bgpd ] || missing+=(frr)
command -v iperf3 >/dev/null || missing+=(iperf3)
command -v ip >/dev/null || missing+=(iproute2)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
