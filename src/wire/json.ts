/**
 * Request bodies as JSON (RFC 8259), strictly: UTF-8 only, bounded nesting, no duplicate
 * member names. RFC 8259 §4 leaves duplicate names to the implementation ("SHOULD be
 * unique"); a flows map with two "flow1" keys is ambiguous, so it is an error here rather
 * than a silent last-wins.
 */
import { AltoError } from '../model/errors.js';

export const DEFAULT_MAX_DEPTH = 32;
const SMALL = 16;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJson(body: Buffer | string, maxDepth = DEFAULT_MAX_DEPTH): unknown {
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch {
    throw AltoError.syntax('request body is not valid UTF-8', 'invalid UTF-8 byte sequence');
  }
  if (text.trim() === '') throw AltoError.syntax('request body is empty', 'empty body');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    // "Unexpected end of JSON input" carries no position: the end is where it is.
    const offset = pos ? Number(pos[1]) : /end of JSON input/.test(msg) ? text.length : undefined;
    const where = offset === undefined ? undefined : lineColumn(text, offset);
    throw AltoError.syntax(
      `request body is not valid JSON: ${msg.replace(/ (?:in JSON )?at position \d+.*$/, '')}`,
      where ? `line ${where.line}, column ${where.column}: ${msg}` : msg,
    );
  }
  scan(text, maxDepth);
  return value;
}

/** One pass over text already known to be valid JSON: nesting depth and duplicate names. */
function scan(text: string, maxDepth: number): void {
  // Stack of open containers; for objects, the member names seen so far: a short array
  // (most objects have a handful of members, and a Set per object is the scan's main cost),
  // a Set once an object grows past SMALL names.
  const stack: (string[] | Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      i++;
      let escaped = false;
      for (; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) { escaped = true; i++; continue; }
        if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const raw = text.slice(start, i + 1);
        const name = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (Array.isArray(top) ? top.includes(name) : top.has(name)) {
          const where = lineColumn(text, start);
          throw AltoError.syntax(
            `duplicate member name "${name}" in a JSON object`,
            `line ${where.line}, column ${where.column}: duplicate member name "${name}"`,
          );
        }
        if (!Array.isArray(top)) top.add(name);
        else if (top.length < SMALL) top.push(name);
        else stack[stack.length - 1] = new Set([...top, name]);
        expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push(c === 0x7b ? [] : null);
      expectKey = c === 0x7b;
      if (stack.length > maxDepth) {
        const where = lineColumn(text, i);
        throw AltoError.syntax(
          `JSON nesting deeper than ${maxDepth} levels`,
          `line ${where.line}, column ${where.column}: nesting deeper than ${maxDepth}`,
        );
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] != null;
    }
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) { line++; lineStart = i + 1; }
  }
  return { line, column: offset - lineStart + 1 };
}
