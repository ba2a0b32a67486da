/**
 * The RFC resources on an express app, through ServerOptions.mount (src/server/app.ts): the
 * IRD at /xdom-alto/ (and GET /), then every resource of ird.ts RESOURCES. Each runs the
 * pipeline RFC 7285 §8.3 asks for, failing with one AltoError that the app's one error
 * handler renders:
 *
 *   method (405 + Allow) -> Content-Type (415, POST) -> Accept (406) -> body (413)
 *   -> JSON (E_SYNTAX) -> OpenAPI schema (missing / type / value) -> the codec's checks
 *
 * `multipart/related; type=X` in Accept matches only root type X (RFC 9275 §6.1).
 * Unknown JSON members are ignored (RFC 7285 §8.3.7): the schemas allow them.
 */
import express, { type Request, type Response } from 'express';
import { AltoError } from '../model/errors.js';
import { DEFAULT_MAX_DEPTH, parseJson } from '../wire/json.js';
import { negotiate, parseAccept, parseMediaType, requestMediaType, type MediaType } from '../wire/mediatype.js';
import { buildMultipartRelated } from '../wire/multipart.js';
import type { OpenApiValidator } from '../wire/openapi.js';
import { NUMERICAL, type NumericalCostTypeName } from './costtypes.js';
import { decodeFlowFilters } from './flows.js';
import { BASE_PATH, RESOURCES, buildIrd, type Resource } from './ird.js';
import { ALTO_MEDIA } from '../wire/alto-media.js';
import { ANE_PROPERTIES } from './pathvector.js';
import type { PropertyMaps } from './propmap.js';
import { clientTyped, decodeCostCommon, decodeCostmapFilter, decodeEndpointCost, decodeNetmapFilter } from './requests.js';
import type { AltoService, PvAnswer } from './service.js';

export interface AltoMountOptions {
  service: AltoService;
  propertyMaps: PropertyMaps;
  /** ANE properties the path-vector resources offer (default ANE_PROPERTIES). */
  aneProperties?: readonly string[];
  /** Validates request bodies against the OpenAPI document's schemas for these paths. */
  validator: OpenApiValidator;
  /** Host name in multipart Content-IDs. */
  hostName: string;
  bodyLimit?: number;
  maxDepth?: number;
  /** More IRD entries (the update stream and TIPS services, src/live), asked for each IRD answer. */
  irdExtra?: () => Record<string, unknown>;
  /** More routes after the resources (the update stream and TIPS services). */
  mountMore?: (app: express.Express) => void;
}

type Body = Record<string, unknown>;
/** A resource's answer as a value: one JSON body, or a path-vector pair (RFC 9275 §6.1). */
export type Reply = { json: unknown; mediaType: string } | { pv: PvAnswer; root: string; part: string };

export function mountAlto(opts: AltoMountOptions): (app: express.Express) => void {
  const { handleGet, handlePost } = altoAnswers(opts);
  return (app) => {
    const ird = (req: Request, res: Response) => {
      accept(req, { essence: ALTO_MEDIA.directory, params: {} });
      const maps = opts.propertyMaps;
      const persistent = maps.definesAnes ? { persistentAnesIn: maps.resourceId } : {};
      const extra = opts.irdExtra ? { extra: opts.irdExtra() } : {};
      send(res, ALTO_MEDIA.directory, buildIrd(baseUrl(req), { mappings: maps.mappings, aneProperties: opts.aneProperties ?? ANE_PROPERTIES, ...persistent, ...extra }));
    };
    app.get(['/', `${BASE_PATH}/`], ird);
    app.all(`${BASE_PATH}/`, () => notAllowed('GET'));
    for (const r of RESOURCES) {
      if (r.accepts) {
        app.post(r.path, checkMedia(r), express.raw({ type: () => true, limit: opts.bodyLimit ?? 8 * 1024 * 1024 }), async (req: Request, res: Response) => {
          const mediaType = parseMediaType(req.headers['content-type'] ?? '')?.essence ?? '';
          const body = parseJson(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), opts.maxDepth ?? DEFAULT_MAX_DEPTH);
          opts.validator.validateRequest(r.path, mediaType, body);
          reply(res, await handlePost(r, body as Body, req.socket.remoteAddress), typeSpelling(req.headers.accept));
        });
        app.all(r.path, () => notAllowed('POST'));
      } else {
        app.get(r.path, async (req: Request, res: Response) => {
          accept(req, offerOf(r));
          reply(res, await handleGet(r));
        });
        app.all(r.path, () => notAllowed('GET'));
      }
    }
    opts.mountMore?.(app);
  };

  function reply(res: Response, out: Reply, spelling: 'quoted' | 'bare' = 'bare'): void {
    const built = replyBody(out, opts.hostName, spelling);
    res.status(200).setHeader('content-type', built.contentType);
    res.end(built.body);
  }
}

/** A reply's Content-Type and body bytes (what a GET or POST of the resource returns). */
export function replyBody(out: Reply, hostName: string, spelling: 'quoted' | 'bare' = 'bare'): { contentType: string; body: string | Buffer } {
  if ('json' in out) return { contentType: out.mediaType, body: JSON.stringify(out.json) };
  // RFC 9275 §6.1: the path-vector part first (so no `start`), then the property map; the
  // `type` parameter spelt as typeSpelling says.
  return buildMultipartRelated(
    out.root,
    [
      { contentId: `<${out.part}@${hostName}>`, contentType: out.root, body: JSON.stringify(out.pv.root) },
      { contentId: `<propmap@${hostName}>`, contentType: ALTO_MEDIA.propmap, body: JSON.stringify(out.pv.props) },
    ],
    spelling,
  );
}

/**
 * The resources' answers without HTTP: what the routes send, and what the live room
 * (src/live) computes for a stream or a TIPS view of the same resource and input.
 * `handlePost` takes a body already parsed; `validate` runs the OpenAPI schema on it.
 */
export function altoAnswers(opts: AltoMountOptions) {
  const aneProperties = opts.aneProperties ?? ANE_PROPERTIES;
  const validate = (r: Resource, body: unknown) => opts.validator.validateRequest(r.path, r.accepts ?? '', body);
  return { handleGet, handlePost, validate };

  async function handleGet(r: Resource): Promise<Reply> {
    const s = opts.service;
    switch (r.kind) {
      case 'networkmap':
        return { json: s.networkMap(), mediaType: r.mediaType };
      case 'costmap':
        return { json: await s.costMap(r.costType as NumericalCostTypeName, r.id), mediaType: r.mediaType };
      case 'propmap':
        return { json: await opts.propertyMaps.full(), mediaType: r.mediaType };
      default:
        throw new Error(`${r.id} is not a GET resource`);
    }
  }

  async function handlePost(r: Resource, body: Body, remoteAddress: string | undefined): Promise<Reply> {
    const s = opts.service;
    const client = clientTyped(remoteAddress);
    switch (r.kind) {
      case 'networkmap-filter': {
        const f = decodeNetmapFilter(body);
        return { json: s.networkMap(f.pids, f.families), mediaType: r.mediaType };
      }
      case 'costmap-filter': {
        const q = decodeCostmapFilter(body, NUMERICAL);
        return { json: await s.costMap(q.costType, r.id, { srcs: q.srcs, dsts: q.dsts, constraints: q.constraints }), mediaType: r.mediaType };
      }
      case 'costmap-pv': {
        const q = decodeCostmapFilter(body, ['path-vector'] as const, aneProperties);
        return { pv: await s.costMapPv(r.id, q.srcs, q.dsts, q.anePropertyNames, q.skippedAneProperties), root: ALTO_MEDIA.costmap, part: 'costmap' };
      }
      case 'endpointcost': {
        const q = decodeEndpointCost(body, NUMERICAL, client);
        return { json: await s.endpointCost(q.costType, q.pairs, q.constraints, r.id), mediaType: r.mediaType };
      }
      case 'endpointcost-pv': {
        const q = decodeEndpointCost(body, ['path-vector'] as const, client, aneProperties);
        return { pv: await s.endpointCostPv(r.id, q.pairs, q.anePropertyNames, 'path', q.skippedAneProperties), root: ALTO_MEDIA.endpointcost, part: 'ecs' };
      }
      case 'endpointcost-pv-state': {
        const q = decodeEndpointCost(body, ['path-vector'] as const, client, aneProperties);
        return { pv: await s.endpointCostPv(r.id, q.pairs, q.anePropertyNames, 'state', q.skippedAneProperties), root: ALTO_MEDIA.endpointcost, part: 'ecs' };
      }
      case 'propmap-filter':
        return { json: await opts.propertyMaps.filtered(body.entities as string[], body.properties as string[]), mediaType: r.mediaType };
      case 'flowcost': {
        const q = decodeCostCommon(body, NUMERICAL);
        const flows = body.flows as Record<string, Record<string, unknown>>;
        const d = decodeFlowFilters(flows);
        return { json: await s.flowCost(q.costType, d.flows, d.errors, Object.keys(flows), q.constraints), mediaType: r.mediaType };
      }
      default:
        throw new Error(`${r.id} is not a POST resource`);
    }
  }
}

/**
 * How a path-vector answer writes its `type` parameter: as the client's Accept wrote it.
 * Bare by default, as RFC 9275 §7.2.1 / §7.3.1 and the IRD write it (openalto's client sends no
 * Accept at all and compares the bare form); quoted for a client whose Accept quotes it, which
 * is a client that parses RFC 2045 strictly (wire/multipart.ts multipartContentType).
 */
function typeSpelling(accept: string | undefined): 'quoted' | 'bare' {
  return accept !== undefined && /multipart\/related[^,]*;\s*type\s*=\s*"/i.test(accept) ? 'quoted' : 'bare';
}

function offerOf(r: Resource): MediaType {
  return parseMediaType(r.mediaType) as MediaType;
}

/** Media types are checked before the body is read: a wrong request costs nothing. */
function checkMedia(r: Resource) {
  return (req: Request, _res: Response, next: () => void) => {
    requestMediaType(req.headers['content-type'], [r.accepts ?? ''], r.path);
    accept(req, offerOf(r));
    next();
  };
}

function accept(req: Request, offer: MediaType): void {
  if (!negotiate(parseAccept(req.headers.accept), [offer])) {
    const type = offer.params.type ? `${offer.essence}; type=${offer.params.type}` : offer.essence;
    throw new AltoError('E_INVALID_FIELD_VALUE', `this resource answers ${type}, which Accept does not allow`, {
      status: 406,
      field: 'Accept',
      value: req.headers.accept ?? '',
    });
  }
}

function notAllowed(allow: string): never {
  throw new AltoError('E_INVALID_FIELD_VALUE', `this resource takes ${allow}`, { status: 405, field: 'method', headers: { Allow: allow } });
}

function send(res: Response, mediaType: string, value: unknown): void {
  res.status(200).setHeader('content-type', mediaType);
  res.end(JSON.stringify(value));
}

/**
 * Resource URIs in the directory are relative references (RFC 7285 §9.2: resolved against
 * the directory's URI): never built from the request's Host header, which a client picks,
 * and right behind a proxy that changes scheme or host.
 */
function baseUrl(_req: Request): string {
  return '';
}
