/**
 * What a domain reveals (issue 4 "Privacy"; RFC 9275 §11 advises obfuscating ANEs).
 *
 *   full      answers carry the domain's real element ids and port names
 *   abstract  per-query element names (random, so they differ between queries and say
 *             nothing of the topology), no `ports` property, sealed port names in AS hops,
 *             and fault messages with every internal name replaced
 *
 * Port names in AS hops cannot simply be dropped: the orchestrator hands a hop's ingress
 * back to the same domain in its rsa lookup. So they are sealed: AES-256-GCM under a key
 * only this agent holds, with a fresh IV per answer, and unsealed when they come back.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { FlowFault } from '../model/flow.js';
import type { Domain, Privacy } from '../topology/model.js';

/** What an abstract domain says for each fault: nothing taken from the request or its network. */
const OPAQUE: Partial<Record<FlowFault['code'], string>> = {
  'unknown-source': 'the source is not in this domain and the flow gives no ingress',
  'unknown-ingress': 'the ingress is not a border of this domain',
  'no-route': 'this domain has no route to the destination',
  'controller-error': 'the domain could not answer for this flow',
};

const PREFIX = 'sealed:';

export class Sealer {
  /**
   * @param context bound into every token (GCM additional data): a token sealed for one
   *   domain does not unseal as another's, even under the same key.
   */
  constructor(
    private readonly context = '',
    private readonly key: Buffer = randomBytes(32),
  ) {}

  seal(text: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(this.context, 'utf8'));
    const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
    return PREFIX + Buffer.concat([iv, body, c.getAuthTag()]).toString('base64url');
  }

  /** The sealed text, or undefined for anything this agent did not seal. */
  unseal(token: string): string | undefined {
    if (!token.startsWith(PREFIX)) return undefined;
    const raw = Buffer.from(token.slice(PREFIX.length), 'base64url');
    if (raw.length < 12 + 16) return undefined;
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      d.setAAD(Buffer.from(this.context, 'utf8'));
      d.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

export class PrivacyPolicy {
  private readonly levels = new Map<string, Privacy>();
  private readonly secrets: string[];
  private readonly nameKey = randomBytes(32);
  readonly hops: Privacy;

  readonly sealer: Sealer;

  constructor(domain: Domain, sealer?: Sealer) {
    this.sealer = sealer ?? new Sealer(domain.id);
    this.hops = domain.privacy ?? 'full';
    for (const l of domain.links) this.levels.set(l.id, l.privacy ?? this.hops);
    for (const b of domain.borders) this.levels.set(b.id, b.privacy ?? this.hops);
    // Longest first, so that "openflow2:1" is hidden whole before "openflow2".
    this.secrets = [
      ...domain.switches,
      ...domain.links.flatMap((l) => [l.id, ...l.ports]),
      ...domain.borders.flatMap((b) => [b.id, b.port]),
      ...domain.prefixes.map((p) => p.attach),
      ...domain.hosts.flatMap((h) => (h.attach ? [h.attach] : [])),
    ].sort((a, b) => b.length - a.length);
  }

  static full(domain: Domain): PrivacyPolicy {
    return new PrivacyPolicy({ ...domain, privacy: 'full', links: domain.links.map((l) => ({ ...l, privacy: 'full' })), borders: domain.borders.map((b) => ({ ...b, privacy: 'full' })) });
  }

  isAbstract(element: string): boolean {
    return this.levels.get(element) === 'abstract';
  }

  /** A port name as an answer may show it. */
  port(port: string | null): string | null {
    return port === null || this.hops === 'full' ? port : this.sealer.seal(port);
  }

  /** A port name or a sealed one, back to what the controller knows. */
  unsealIngress(ingress: string | null): string | null {
    if (ingress === null) return null;
    return this.sealer.unseal(ingress) ?? ingress;
  }

  /**
   * A fault as an abstract domain tells it: a fixed message per code. Scrubbing names out
   * of a message that echoes the requester's input is not enough: what got replaced by
   * [hidden] says it was an internal name (review finding: `openflow5:1` became `[hidden]`
   * while `nosuch` came back as sent, an oracle for port names).
   */
  opaqueFault(fault: FlowFault, domain: string): FlowFault {
    if (this.hops === 'full') return fault;
    return { ...fault, message: OPAQUE[fault.code] ?? `${fault.code} in ${domain}` };
  }

  /** A message with every internal name of an abstract domain replaced. */
  scrub(text: string): string {
    if (this.hops === 'full') return text;
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('[hidden]');
    return out;
  }

  /**
   * A name for an element in one query: 12 hex digits of an HMAC (under a key only this
   * agent holds) of the orchestrator's query id and the element, so one query sees one
   * name across its requests and the next query another; without a query id, random.
   */
  ephemeralName(element: string, queryId?: string): string {
    if (queryId === undefined) return `x${randomBytes(6).toString('hex')}`;
    return `x${createHmac('sha256', this.nameKey).update(`${queryId}|${element}`).digest('hex').slice(0, 12)}`;
  }
}
