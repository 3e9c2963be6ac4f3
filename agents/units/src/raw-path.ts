/**
 * Serve a request only on the path the sidecar authorised: refuse ambiguous raw paths.
 *
 * daprd checks its access policy on the method path as it received it and
 * forwards it undecoded; a router that decodes would then see other
 * segments (`v1%2Factivity` is one segment to the policy, `/v1/activity`
 * decoded). Express routes on the raw path today, but a route with a
 * parameter decodes it, so this guard answers 400 problem JSON before any
 * routing when the raw path holds: an encoded `/` `\` `#` `?` `%`, an encoded
 * unreserved character (letters, digits, `-._~`: RFC 3986 2.3, a disguise),
 * a control character raw or encoded, a malformed escape, a raw backslash,
 * a `.`/`..` segment or an empty segment. The same rules as the Python
 * chassis (chassis/raw_path.py).
 */
import type { RequestHandler } from 'express';

const DELIMITERS: Readonly<Record<number, string>> = { 0x2f: '/', 0x5c: '\\', 0x23: '#', 0x3f: '?', 0x25: '%' };
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

const isControl = (code: number): boolean => code < 0x20 || code === 0x7f;

function escapeAmbiguity(value: number, escape: string): string | undefined {
  const delimiter = DELIMITERS[value];
  if (delimiter !== undefined) return `an encoded '${delimiter}' (${escape})`;
  if (isControl(value)) return `an encoded control character (${escape})`;
  const char = String.fromCharCode(value);
  if (UNRESERVED.test(char)) return `an encoded '${char}' (${escape}), which is the same as the character itself`;
  return undefined;
}

/** Why the raw request path (before `?`) may name another route once decoded, or undefined. */
export function pathAmbiguity(raw: string): string | undefined {
  for (let i = 0; i < raw.length; i++) {
    if (isControl(raw.charCodeAt(i))) return 'a control character';
  }
  if (raw.includes('\\')) return 'a backslash';
  if (raw.includes('#')) return "a '#'";
  for (let i = raw.indexOf('%'); i !== -1; i = raw.indexOf('%', i + 3)) {
    const escape = raw.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(escape)) return 'a malformed percent-encoding';
    const reason = escapeAmbiguity(parseInt(escape, 16), `%${escape.toUpperCase()}`);
    if (reason !== undefined) return reason;
  }
  if (raw === '/') return undefined;
  if (!raw.startsWith('/')) return "a path that does not start with '/'";
  for (const segment of raw.slice(1).split('/')) {
    if (segment === '') return "an empty segment ('//' or a trailing '/')";
    if (segment === '.' || segment === '..') return `a dot segment ('${segment}')`;
  }
  return undefined;
}

/** 400 (through `refuse`) for a request whose raw path is ambiguous; first in the chain. */
export function rawPathGuard(refuse: (res: Parameters<RequestHandler>[1], detail: string) => void): RequestHandler {
  return (req, res, next) => {
    const target = req.originalUrl;
    const query = target.indexOf('?');
    const reason = pathAmbiguity(query === -1 ? target : target.slice(0, query));
    if (reason === undefined) {
      next();
      return;
    }
    refuse(res, `the request path holds ${reason}; this app serves a path only as its sidecar authorised it, so send it unencoded`);
  };
}
