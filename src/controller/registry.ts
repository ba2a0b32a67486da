/**
 * Controller kinds: `controller.kind` in a domain file -> the adapter that serves it.
 * sim: a domain file's own topology; frr: Linux routers running FRR (controller/frr/);
 * openflow: an SDN controller's REST API, os-ken 1.4.1 (controller/openflow/).
 */
import { AltoError } from '../model/errors.js';
import type { Domain } from '../topology/model.js';
import type { ControllerAdapter } from './adapter.js';
import { SimController, type SimOptions } from './sim.js';
import { FrrController } from './frr/index.js';
import { OpenflowController } from './openflow/adapter.js';
import { TelemetryController } from './telemetry.js';

/** What the CLI may ask of any adapter at start. */
export type ControllerOptions = SimOptions;

type Factory = (domain: Domain, opts: ControllerOptions) => ControllerAdapter;

const kinds = new Map<string, Factory>([
  ['sim', (d, o) => new SimController(d, o)],
  ['frr', (d) => new FrrController(d)],
  ['openflow', (d) => new OpenflowController(d)],
]);

export function controllerKinds(): string[] {
  return [...kinds.keys()];
}

export function createController(domain: Domain, opts: ControllerOptions = {}): ControllerAdapter {
  const factory = kinds.get(domain.controller.kind);
  if (!factory) {
    throw AltoError.value('controller/kind', domain.controller.kind, `unknown controller kind '${domain.controller.kind}' (known: ${controllerKinds().join(', ')})`);
  }
  const inner = factory(domain, opts);
  // Counters from Kafka topics, over any kind (issue 12): the intake is attached by cli/kafka.ts.
  return domain.telemetry ? new TelemetryController(inner, domain, domain.telemetry) : inner;
}
