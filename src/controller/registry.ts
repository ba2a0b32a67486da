/**
 * Controller kinds: `controller.kind` in a domain file -> the adapter that serves it.
 * sim: the domain file itself; openflow: os-ken's REST API (controller/openflow/). Real ones
 * (FRR, OpenDaylight, ONOS) register here too.
 */
import { AltoError } from '../model/errors.js';
import type { Domain } from '../topology/model.js';
import type { ControllerAdapter } from './adapter.js';
import { SimController } from './sim.js';
import { OpenflowController } from './openflow/adapter.js';

type Factory = (domain: Domain) => ControllerAdapter;

const kinds = new Map<string, Factory>([
  ['sim', (d) => new SimController(d)],
  ['openflow', (d) => new OpenflowController(d)],
]);

export function controllerKinds(): string[] {
  return [...kinds.keys()];
}

export function createController(domain: Domain): ControllerAdapter {
  const factory = kinds.get(domain.controller.kind);
  if (!factory) {
    throw AltoError.value('controller/kind', domain.controller.kind, `unknown controller kind '${domain.controller.kind}' (known: ${controllerKinds().join(', ')})`);
  }
  return factory(domain);
}
