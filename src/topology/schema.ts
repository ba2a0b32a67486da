/**
 * JSON Schemas (draft 2020-12) of the domain file and the registry file. The copies in
 * domains/*.schema.json are generated from these by `xdom schema --out domains`, and a test
 * keeps them equal, so editors and `xdom validate` read the same rules.
 */
const id = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_:@-]{0,62}$' };
const port = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9_:@-]*:[0-9]+$',
  description: 'a port of a switch of this domain: <switch>:<number>',
};
const bps = { type: 'integer', minimum: 0, description: 'bit/s' };
const ip = { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] };
const prefix = { type: 'string', pattern: '^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$', description: 'CIDR prefix' };
const privacy = {
  type: 'string',
  enum: ['full', 'abstract'],
  description: 'full: real ids and port names in answers; abstract: per-query names, port names sealed',
};

const ms = (what: string) => ({ type: 'integer', minimum: 10, maximum: 3600000, description: what });

/** `controller` of kind frr: how the agent reaches each router (controller/frr/config.ts). */
const frrController = {
  required: ['kind', 'routers'],
  additionalProperties: false,
  properties: {
    kind: { const: 'frr' },
    routers: {
      type: 'object',
      description: 'one entry per switch: the router that is that switch',
      additionalProperties: {
        type: 'object',
        required: ['vty'],
        additionalProperties: false,
        properties: {
          vty: { type: 'string', description: "directory of the router's daemon vty sockets (bgpd.vty, zebra.vty) and zebra.pid, e.g. /var/run/frr/<netns>" },
          netns: { type: 'string', description: 'network namespace of the router (for tc rates)' },
          interfaces: { type: 'object', description: 'port -> interface name (default p<n> for port <switch>:<n>)', additionalProperties: { type: 'string' } },
        },
      },
    },
    'poll-ms': ms('how often the routers are read for route changes (default 1000)'),
    'window-ms': ms('interface counter sampling window (default 1000)'),
    'timeout-ms': ms('a router slower than this is down (default 1000)'),
    'change-threshold': { type: 'number', minimum: 0, maximum: 1, description: 'share of capacity an available bandwidth must move to be a change (default 0.02)' },
  },
};

/** One `dynamics` entry (controller/dynamics.ts). */
const dynamic = {
  type: 'object',
  required: ['element'],
  additionalProperties: false,
  description: 'how one link or border varies: exactly one of random-walk, trace, schedule',
  minProperties: 2,
  maxProperties: 2,
  properties: {
    element: { type: 'string', description: 'a link or border id of this domain' },
    'random-walk': {
      type: 'object',
      required: ['every-ms', 'min', 'max', 'step'],
      additionalProperties: false,
      properties: {
        'every-ms': { type: 'integer', minimum: 10 },
        min: { type: 'integer', minimum: 0 },
        max: { type: 'integer', minimum: 0 },
        step: { type: 'integer', minimum: 1 },
        seed: { type: 'string' },
      },
    },
    trace: {
      type: 'object',
      required: ['every-ms', 'values'],
      additionalProperties: false,
      properties: {
        'every-ms': { type: 'integer', minimum: 10 },
        values: { type: 'array', minItems: 1, items: { type: 'integer', minimum: 0 } },
      },
    },
    schedule: {
      type: 'object',
      required: ['events'],
      additionalProperties: false,
      properties: {
        'period-ms': { type: 'integer', minimum: 10 },
        events: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['at-ms'],
            additionalProperties: false,
            minProperties: 2,
            maxProperties: 2,
            properties: {
              'at-ms': { type: 'integer', minimum: 0 },
              state: { type: 'string', enum: ['up', 'down'] },
              available: { type: 'integer', minimum: 0 },
            },
          },
        },
      },
    },
  },
} as const;

export const domainSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://xdom-alto.example/schema/domain.schema.json',
  title: 'xdom-alto domain file',
  description: 'One network domain (AS): its addresses, switches, links, borders and routes.',
  type: 'object',
  required: ['id', 'asn', 'controller', 'switches'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    id: { ...id, description: 'domain id, e.g. as2' },
    asn: { type: 'integer', minimum: 1, maximum: 4294967295 },
    description: { type: 'string' },
    controller: {
      type: 'object',
      required: ['kind'],
      properties: { kind: { type: 'string', enum: ['sim', 'frr', 'openflow'] } },
      allOf: [
        { if: { properties: { kind: { const: 'frr' } } }, then: frrController },
        {
          // controller/openflow/adapter.ts: os-ken's REST API and how often it is read.
          if: { properties: { kind: { const: 'openflow' } } },
          then: {
            required: ['url'],
            additionalProperties: false,
            properties: {
              kind: { const: 'openflow' },
              url: { type: 'string', pattern: '^https?://[^/]+/?$', description: 'os-ken REST base (ofctl_rest + rest_topology), e.g. http://127.0.0.1:8091' },
              'poll-ms': { type: 'integer', minimum: 50, description: 'how often the snapshot and port counters are read (default 500)' },
              'window-ms': { type: 'integer', minimum: 100, description: 'counter window for used bandwidth (default 1000)' },
              'timeout-ms': { type: 'integer', minimum: 50, description: 'a REST call slower than this fails the read (default 2000)' },
              'bandwidth-step': { type: 'integer', minimum: 1, description: 'used bandwidth is rounded to this many bit/s (default 100000)' },
            },
          },
        },
      ],
    },
    prefixes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['prefix', 'attach'],
        additionalProperties: false,
        properties: { prefix, attach: port },
      },
    },
    hosts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['address'],
        additionalProperties: false,
        properties: { name: { type: 'string' }, address: ip, attach: port },
      },
    },
    switches: { type: 'array', minItems: 1, items: id },
    privacy,
    'routing-cost': {
      type: 'object',
      description: 'routingcost of each link = constant + sum of weight * property (or weight / property with inverse)',
      additionalProperties: false,
      properties: {
        constant: { type: 'number', minimum: 0 },
        terms: {
          type: 'array',
          items: {
            type: 'object',
            required: ['property', 'weight'],
            additionalProperties: false,
            properties: {
              property: { type: 'string', enum: ['capacity', 'available', 'cost'] },
              weight: { type: 'number', minimum: 0 },
              inverse: { type: 'boolean' },
            },
          },
        },
      },
    },
    links: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'ports', 'capacity', 'available'],
        additionalProperties: false,
        properties: {
          id,
          ports: { type: 'array', items: port, minItems: 2, maxItems: 2 },
          capacity: bps,
          available: bps,
          cost: { type: 'number', exclusiveMinimum: 0 },
          privacy,
        },
      },
    },
    borders: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'port', 'address', 'capacity', 'available', 'peer'],
        additionalProperties: false,
        properties: {
          id,
          port,
          address: ip,
          capacity: bps,
          available: bps,
          cost: { type: 'number', exclusiveMinimum: 0 },
          privacy,
          peer: {
            type: 'object',
            required: ['domain', 'port', 'address'],
            additionalProperties: false,
            properties: { domain: id, port, address: ip },
          },
        },
      },
    },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['prefix', 'egress'],
        additionalProperties: false,
        properties: { prefix, egress: port },
      },
    },
    'as-paths': {
      type: 'array',
      description: 'the AS path toward each destination AS (the best route\'s AS_PATH, RFC 4271 §5.1.2), one entry per destination AS; absent: the domain does not know (a stub with a default route)',
      items: {
        type: 'object',
        required: ['prefixes', 'path'],
        additionalProperties: false,
        properties: {
          prefixes: { type: 'array', minItems: 1, items: prefix, description: 'the destination AS\'s prefixes' },
          path: { type: 'array', minItems: 1, maxItems: 64, items: id, description: 'domain ids after this domain, the destination last' },
        },
      },
    },
    telemetry: {
      type: 'object',
      description: 'available bandwidth from interface counters on Kafka topics (docs/telemetry.md); compute nodes from a topic',
      required: ['kafka', 'topics', 'format'],
      additionalProperties: false,
      properties: {
        kafka: { type: 'string', pattern: '^[^,\\s]+(,[^,\\s]+)*$', description: 'bootstrap brokers, HOST:PORT[,HOST:PORT...]' },
        topics: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,249}$' } },
        format: { type: 'string', enum: ['gnmic', 'telegraf', 'pmacct'] },
        group: { type: 'string', description: 'consumer group (default xdom-telemetry-<domain id>): agents of one domain share it' },
        'window-ms': { type: 'integer', minimum: 1, description: 'rate = counter growth over this window (default 10000)' },
        'stale-after-ms': { type: 'integer', minimum: 1, description: 'a port with no counters for this long is stale (default 30000)' },
        'change-threshold': { type: 'number', minimum: 0, maximum: 1, description: 'new version when availbw moves by this share of capacity (default 0.01)' },
        interfaces: {
          type: 'array',
          description: 'device interface -> port; default: device <switch>, interface <n> for port <switch>:<n>',
          items: {
            type: 'object',
            required: ['port', 'device', 'interface'],
            additionalProperties: false,
            properties: { port, device: { type: 'string' }, interface: { type: 'string' } },
          },
        },
        'compute-topic': { type: 'string', pattern: '^[A-Za-z0-9._-]{1,249}$', description: 'compute nodes (vcpu, ram, disk, instances): entity properties in the property map' },
      },
    },
    'persistent-anes': {
      type: 'array',
      description: 'links or borders published under stable names: persistent ANEs (RFC 9275 §6.2.4) in the agent property map',
      items: {
        type: 'object',
        required: ['element', 'name'],
        additionalProperties: false,
        properties: {
          element: { ...id, description: 'id of a link or border of this domain' },
          // The name's rules (RFC 9275 §6.1) are checked by xdom validate, with a message per rule.
          name: { type: 'string', description: 'ANE name: 1-64 of A-Z a-z 0-9 - : @ _ (no dot, RFC 9275 §6.1 / RFC 7285 §10.1)' },
        },
      },
    },
    dynamics: {
      type: 'array',
      description: 'sim controller: how links and borders vary over time (random walk, trace, scheduled failures)',
      items: dynamic,
    },
    'allowed-peers': {
      type: 'array',
      description:
        'with mTLS (--tls-client-ca): the only clients this agent answers, by certificate subject or SHA-256 fingerprint (others get 403); absent: any client whose certificate the CA signed',
      items: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        maxProperties: 1,
        properties: {
          subject: { type: 'string', minLength: 1, description: "the certificate's subject, e.g. CN=as2 or CN=orchestrator,O=xdom-alto (as OpenSSL prints it, comma-separated)" },
          fingerprint: {
            type: 'string',
            pattern: '^(sha256:)?([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$',
            description: "SHA-256 of the certificate's DER, colon-separated hex (openssl x509 -fingerprint -sha256)",
          },
        },
      },
    },
  },
} as const;

export const registrySchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://xdom-alto.example/schema/registry.schema.json',
  title: 'xdom-alto agent registry',
  description: 'Reverse service lookup: which agent URI serves which prefixes.',
  type: 'object',
  required: ['agents'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    agents: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['domain', 'uri', 'prefixes'],
        additionalProperties: false,
        properties: {
          domain: id,
          uri: { type: 'string', pattern: '^https?://' },
          prefixes: { type: 'array', minItems: 1, items: prefix },
        },
      },
    },
  },
} as const;
