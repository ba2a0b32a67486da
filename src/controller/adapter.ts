/**
 * The controller adapter: what an agent needs from its domain's network management
 * platform (seed 002, "Basic Functionality"). Every implementation passes the shared
 * contract suite in test/unit/adapter-contract.ts.
 *
 *   FetchBW     :: Port -> Integer          available TX bandwidth of a port, bit/s
 *   LookupPath  :: FlowSpec -> [String]     element ids the flow crosses in this domain
 *   ElementProp :: String -> String -> a    a property of an element
 *   NextHop     :: FlowSpec -> ASSpec       the next domain and its ingress, if the flow leaves
 *
 * Routing outcomes (no route, unknown ingress) are answers, not exceptions. A method throws
 * only when the controller itself fails; the agent turns that into a per-flow fault.
 */
import type { FlowFault, FlowSpec } from '../model/flow.js';
import type { ControllerChange, Listener } from '../live/feed.js';

/**
 * The elements a flow crosses, in path order. `shares`, aligned with `elements`, gives the
 * fraction of the flow on each where it may take several paths (ECMP without ports); absent
 * means the whole flow crosses every element.
 */
export type PathResult = { ok: true; elements: string[]; shares?: number[] } | { ok: false; fault: FlowFault };

/** Where a flow goes after this domain. */
export type NextHopResult =
  | { ok: true; kind: 'local' }
  | {
      ok: true;
      kind: 'remote';
      /** This domain's egress port. */
      egress: string;
      /** The next domain, its ingress port and ingress address (the key for reverse lookup). */
      domain: string;
      port: string;
      address: string;
      /**
       * The AS path toward the destination where the domain knows it (the BGP best path's
       * AS_PATH, RFC 4271 §5.1.2, next AS first); absent where it does not (a static route).
       */
      asPath?: number[];
    }
  | { ok: false; fault: FlowFault };

export interface ControllerAdapter {
  /** The domain id this controller serves. */
  readonly domain: string;
  /**
   * The tag of the state the adapter started from (RFC 7285 §10.3). Later versions are the
   * agent's DomainClock (live/clock.ts), made from the change feed below, so an adapter
   * never has to coalesce or hash its own changes.
   */
  version(): string;
  /**
   * The change feed: the adapter calls `listener` whenever anything it answers from changes
   * (bandwidth, a link up or down, a route), naming the elements. Returns the unsubscribe.
   * Absent: the adapter's answers never change.
   */
  changes?(listener: Listener<ControllerChange>): () => void;
  /** Stop the adapter's timers, sockets and child processes (the agent is shutting down). */
  close?(): Promise<void>;
  /** Normalise a flow's ingress (port name or border address) to a port name; undefined if not a border of this domain. */
  ingressPort(ingress: string): string | undefined;
  fetchBW(port: string): Promise<number | undefined>;
  lookupPath(flow: FlowSpec): Promise<PathResult>;
  elementProp(element: string, property: string): Promise<unknown>;
  nextHop(flow: FlowSpec): Promise<NextHopResult>;
}
