/**
 * Test helper: the example network (or any domains + registry) running on ephemeral
 * loopback ports, with response validation on. Every test that starts one closes it.
 */
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type NetworkOptions, type RunningNetwork } from '../../src/cli/network.js';

export async function startExample(extra: Partial<NetworkOptions> = {}): Promise<RunningNetwork> {
  const { domains, registry } = loadNetworkDir(EXAMPLE_DIR);
  return startNetwork({
    domains: domains.map((d) => d.domain),
    registry,
    openapi: loadOpenApi(),
    validateResponses: true,
    ...extra,
  });
}

export function agentUrl(net: RunningNetwork, domain: string): string {
  const a = net.agents.find((x) => x.domain === domain);
  if (!a) throw new Error(`no agent for ${domain}`);
  return a.url;
}

export interface Reply {
  status: number;
  contentType: string;
  headers: Headers;
  text: string;
  json: () => any;
}

export async function post(url: string, body: string | Uint8Array, headers: Record<string, string>): Promise<Reply> {
  const r = await fetch(url, { method: "POST", headers, body: typeof body === "string" ? body : new Uint8Array(body) });
  const text = await r.text();
  return { status: r.status, contentType: r.headers.get('content-type') ?? '', headers: r.headers, text, json: () => JSON.parse(text) };
}

/** Seed 002's two flows, as its simple-mode as-path example writes them. */
export const SEED_SIMPLE_ASPATH = `{
  "flows": [
    {
      "src": "10.0.1.100",
      "dst": "10.0.2.100",
      "ingress": null
    },
    {
      "src": "10.0.1.101",
      "dst": "10.0.3.100",
      "ingress": null
    }
  ]
}`;

/** Seed 002's ALTO-compatible as-path request, as written. */
export const SEED_ALTO_ASPATH = `{
  "cost-type": {
    "cost-mode": "array",
    "cost-metric": "ane-path"
  },
  "flows": {
    "flow1": {
      "ipv4:source": "10.0.1.100",
      "ipv4:destination": "10.0.2.100",
      "as:ingress": null
    },
    "flow2": {
      "ipv4:source": "10.0.1.101",
      "ipv4:destination": "10.0.3.100",
      "as:ingress": null
    }
  }
}`;

/** Seed 002's simple-mode rsa request at as2, as written. */
export const SEED_SIMPLE_RSA = `{
  "flows": [
    {
      "src": "10.0.1.100",
      "dst": "10.0.2.100",
      "ingress": "openflow2:1"
    },
    {
      "src": "10.0.1.101",
      "dst": "10.0.3.100",
      "ingress": "openflow2:2"
    }
  ]
}`;

/** Seed 002's ALTO-compatible rsa request at as2, as written. */
export const SEED_ALTO_RSA = `{
  "cost-type": {
    "cost-mode": "array",
    "cost-metric": "ane-path"
  },
  "flows": {
    "flow1": {
      "ipv4:source": "10.0.1.100",
      "ipv4:destination": "10.0.2.100",
      "as:ingress": "openflow2:1"
    },
    "flow2": {
      "ipv4:source": "10.0.1.101",
      "ipv4:destination": "10.0.3.100",
      "as:ingress": "openflow2:2"
    }
  }
}`;
