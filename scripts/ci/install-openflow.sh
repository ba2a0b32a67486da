#!/usr/bin/env bash
# The OpenFlow lab's real stack (issue 13; recipe: shared/labs/openflow.md):
#   Debian openvswitch-switch (userspace datapath: no kernel module needed), ethtool (the
#   hosts' tx checksum offload must be off for TCP/UDP through OVS's netdev datapath), iperf3;
#   os-ken 1.4.1 (the last release with ofctl_rest / rest_topology) in a venv of its own.
# Idempotent: a second run installs nothing. The venv lives where src/lab/openflow.ts looks:
#   ${XDOM_OSKEN_VENV:-$HOME/.cache/xdom-osken/venv}
set -euo pipefail

need=()
command -v ovs-vswitchd >/dev/null || need+=(openvswitch-switch)
command -v ethtool >/dev/null || need+=(ethtool)
command -v iperf3 >/dev/null || need+=(iperf3)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update
  # --no-upgrade: do not upgrade what is already installed (the recipe saw jq and curl upgraded).
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends --no-upgrade "${need[@]}"
fi

venv=${XDOM_OSKEN_VENV:-$HOME/.cache/xdom-osken/venv}
# Not an import of the apps: on Python 3.11 that needs the launcher's fix (src/lab/openflow.ts).
check="import importlib.util as u, importlib.metadata as m; assert m.version('os-ken') == '1.4.1'; assert u.find_spec('os_ken.app.ofctl_rest') and u.find_spec('os_ken.app.rest_topology')"
if ! "$venv/bin/python" -c "$check" 2>/dev/null; then
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  # Pins measured together on Python 3.11 (labs/openflow.md).
  "$venv/bin/pip" install --quiet os-ken==1.4.1 eventlet==0.41.3 dnspython==2.9.2 \
    greenlet==3.5.6 oslo.config==10.7.0 ovs==4.0.0 WebOb==1.8.11 Routes==2.5.1 \
    msgpack==1.2.4 netaddr==1.3.0 tinyrpc==1.1.7
fi
echo "openflow lab: $(ovs-vswitchd --version | head -1), os-ken $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("os-ken"))') in $venv"
