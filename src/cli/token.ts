/**
 * `xdom token NAME`: a new bearer token (256 random bits, base64url) and the line that lets
 * it in (`NAME sha256:<hex>`). Only the hash goes in the --tokens file: a leaked file lets
 * no one in, and a token this random needs no slow hash (docs/security.md).
 */
import { randomBytes } from 'node:crypto';
import { hashToken } from '../server/guard.js';

export function runToken(name: string): void {
  if (!/^\S+$/.test(name)) throw new Error('a token name has no spaces');
  const token = randomBytes(32).toString('base64url');
  console.log(`token (give it to ${name}; it is not stored): ${token}`);
  console.log(`line for the --tokens file: ${name} sha256:${hashToken(token)}`);
}
