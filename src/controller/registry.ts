/**
 * Controller kinds: `controller.kind` in a domain file -> the adapter that serves it.
 * sim: a domain file's own topology; frr: Linux routers running FRR (controller/frr/).
 */
import { AltoError } from '../model/errors.js';
import type { Domain } from '../topology/model.js';
import type { ControllerAdapter } from './adapter.js';
import { SimController } from './sim.js';
import { FrrController } from './frr/index.js';

type Factory = (domain: Domain) => ControllerAdapter;

const kinds = new Map<string, Factory>([
  ['sim', (d) => new SimController(d)],
  ['frr', (d) => new FrrController(d)],
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
