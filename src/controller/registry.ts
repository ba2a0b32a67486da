/**
 * Controller kinds: `controller.kind` in a domain file -> the adapter that serves it.
 * Only the simulated controller exists so far; real ones (FRR, OpenDaylight, ONOS) register here.
 */
import { AltoError } from '../model/errors.js';
import type { Domain } from '../topology/model.js';
import type { ControllerAdapter } from './adapter.js';
import { SimController } from './sim.js';
import { TelemetryController } from './telemetry.js';

type Factory = (domain: Domain) => ControllerAdapter;

const kinds = new Map<string, Factory>([['sim', (d) => new SimController(d)]]);

export function controllerKinds(): string[] {
  return [...kinds.keys()];
}

export function createController(domain: Domain): ControllerAdapter {
  const factory = kinds.get(domain.controller.kind);
  if (!factory) {
    throw AltoError.value('controller/kind', domain.controller.kind, `unknown controller kind '${domain.controller.kind}' (known: ${controllerKinds().join(', ')})`);
  }
  const inner = factory(domain);
  // Counters from Kafka topics, over any kind (issue 12): the intake is attached by cli/kafka.ts.
  return domain.telemetry ? new TelemetryController(inner, domain, domain.telemetry) : inner;
}
