/**
 * Patches between two versions of a JSON body, made once per version (live/room.ts):
 * an RFC 7396 merge patch and an RFC 6902 JSON patch, each checked by applying it, and the
 * smaller one that gives back the new body byte for byte.
 *
 * Byte for byte means key order too: a client that applies every patch in order must hold
 * the same JSON text a fresh request returns. Both patch forms add new object members at
 * the end (RFC 7396 §2's algorithm sets members one by one; RFC 6902 §4.1 `add` on an
 * object member), so a member order they cannot reach is sent as a JSON patch `replace` of
 * the smallest object around it. A merge patch cannot say "this member is null" (null
 * deletes, RFC 7396 §1; RFC 8895 §4 asks for JSON patch then): it is left out when the
 * new body holds a null. When neither form gives the new text back, there is no patch and
 * the stream sends a full replacement (RFC 8895 §6.7 allows one at any time).
 *
 * Pure values; no I/O.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonPatchOp =
  | { op: 'add'; path: string; value: Json }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: Json };

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';

export interface ChosenPatch {
  mediaType: typeof MERGE_PATCH | typeof JSON_PATCH;
  /** The patch as sent (JSON text). */
  text: string;
}

const isObject = (v: unknown): v is { [k: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 6901 pointer segment. */
const seg = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** Whether adding b's new keys after a's kept keys (in order) gives b's key order. */
function orderReachable(a: Record<string, Json>, b: Record<string, Json>): boolean {
  const bKeys = Object.keys(b);
  const kept = Object.keys(a).filter((k) => Object.hasOwn(b, k));
  for (let i = 0; i < kept.length; i++) if (bKeys[i] !== kept[i]) return false;
  return true;
}

/** An RFC 6902 patch from a to b, member order kept (replace where it cannot be). */
export function jsonPatch(a: Json, b: Json, path = '', out: JsonPatchOp[] = []): JsonPatchOp[] {
  if (isObject(a) && isObject(b)) {
    if (!orderReachable(a, b)) {
      out.push({ op: 'replace', path, value: b });
      return out;
    }
    for (const k of Object.keys(a)) if (!Object.hasOwn(b, k)) out.push({ op: 'remove', path: `${path}/${seg(k)}` });
    for (const k of Object.keys(b)) {
      const p = `${path}/${seg(k)}`;
      if (Object.hasOwn(a, k)) jsonPatch(a[k] as Json, b[k] as Json, p, out);
      else out.push({ op: 'add', path: p, value: b[k] as Json });
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => jsonPatch(v, b[i] as Json, `${path}/${i}`, out));
    return out;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ op: 'replace', path, value: b });
  return out;
}

/** An RFC 7396 merge patch from a to b, or undefined when b holds a null it cannot say. */
export function mergePatch(a: Json, b: Json): Json | undefined {
  if (!isObject(b)) return containsNull(b) ? undefined : b;
  if (!isObject(a)) return containsNull(b) ? undefined : b;
  const patch: Record<string, Json> = {};
  for (const k of Object.keys(a)) if (!Object.hasOwn(b, k)) patch[k] = null;
  for (const k of Object.keys(b)) {
    const bv = b[k] as Json;
    if (!Object.hasOwn(a, k)) {
      if (containsNull(bv)) return undefined;
      patch[k] = bv;
      continue;
    }
    const av = a[k] as Json;
    if (JSON.stringify(av) === JSON.stringify(bv)) continue;
    const sub = mergePatch(av, bv);
    if (sub === undefined) return undefined;
    patch[k] = sub;
  }
  return patch;
}

function containsNull(v: Json): boolean {
  if (v === null) return true;
  if (Array.isArray(v)) return v.some(containsNull);
  if (isObject(v)) return Object.values(v).some(containsNull);
  return false;
}

/** RFC 7396 §2 (the algorithm, as written). */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const t: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete t[k];
    else t[k] = applyMergePatch(Object.hasOwn(t, k) ? (t[k] as Json) : null, v);
  }
  return t;
}

/** RFC 6902 §4 for the three operations made here (add, remove, replace); throws on a bad path. */
export function applyJsonPatch(doc: Json, ops: JsonPatchOp[]): Json {
  let root = clone(doc);
  for (const op of ops) {
    if (op.path === '') {
      if (op.op === 'remove') throw new Error('cannot remove the root');
      root = clone(op.value);
      continue;
    }
    const parts = op.path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop() as string;
    let node: Json = root;
    for (const p of parts) {
      const next: Json | undefined = Array.isArray(node) ? node[Number(p)] : isObject(node) ? node[p] : undefined;
      if (next === undefined) throw new Error(`no member at ${op.path}`);
      node = next;
    }
    if (Array.isArray(node)) {
      const i = last === '-' ? node.length : Number(last);
      if (!Number.isInteger(i) || i < 0 || i > node.length) throw new Error(`bad index at ${op.path}`);
      if (op.op === 'add') node.splice(i, 0, clone(op.value));
      else if (i >= node.length) throw new Error(`no element at ${op.path}`);
      else if (op.op === 'remove') node.splice(i, 1);
      else node[i] = clone(op.value);
    } else if (isObject(node)) {
      if (op.op !== 'add' && !Object.hasOwn(node, last)) throw new Error(`no member at ${op.path}`);
      if (op.op === 'remove') delete node[last];
      else node[last] = clone(op.value);
    } else {
      throw new Error(`not a container at ${op.path}`);
    }
  }
  return root;
}

function clone(v: Json): Json {
  return v === null || typeof v !== 'object' ? v : (JSON.parse(JSON.stringify(v)) as Json);
}

/**
 * The smaller of the two patch forms that turns `before` into exactly `afterText`, or
 * undefined (send the whole body). `allowed` narrows the forms (a client's or a
 * resource's `incremental-change-media-types`).
 */
export function choosePatch(before: Json, after: Json, afterText: string, allowed: readonly string[] = [MERGE_PATCH, JSON_PATCH]): ChosenPatch | undefined {
  const candidates: ChosenPatch[] = [];
  if (allowed.includes(MERGE_PATCH)) {
    const m = mergePatch(before, after);
    if (m !== undefined && JSON.stringify(applyMergePatch(before, m)) === afterText) candidates.push({ mediaType: MERGE_PATCH, text: JSON.stringify(m) });
  }
  if (allowed.includes(JSON_PATCH)) {
    const ops = jsonPatch(before, after);
    if (JSON.stringify(applyJsonPatch(before, ops)) === afterText) candidates.push({ mediaType: JSON_PATCH, text: JSON.stringify(ops) });
  }
  candidates.sort((x, y) => x.text.length - y.text.length);
  const best = candidates[0];
  // A patch as large as the body saves nothing: send the body (the client needs no patch code path).
  return best && best.text.length < afterText.length ? best : undefined;
}
