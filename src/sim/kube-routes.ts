import type { ResourceName } from './kube-status';

/** What a request path names, before its method is looked at. */
export type Route =
  | { readonly kind: 'version' | 'api' | 'apis' | 'coreV1' | 'health' }
  | { readonly kind: 'collection'; readonly resource: ResourceName; readonly namespace?: string }
  | {
      readonly kind: 'object';
      readonly resource: ResourceName;
      readonly namespace?: string;
      readonly name: string;
    }
  | { readonly kind: 'log' | 'exec'; readonly namespace: string; readonly name: string };

const FIXED: Readonly<Record<string, Route>> = {
  '/version': { kind: 'version' },
  '/api': { kind: 'api' },
  '/apis': { kind: 'apis' },
  '/api/v1': { kind: 'coreV1' },
  '/healthz': { kind: 'health' },
  '/livez': { kind: 'health' },
  '/readyz': { kind: 'health' },
};

function segments(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** The route of a URL path of the core API, or undefined (404) for anything else. */
export function matchRoute(pathname: string): Route | undefined {
  const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const fixed = FIXED[trimmed];
  if (fixed !== undefined) return fixed;
  const parts = segments(trimmed);
  if (parts === undefined || parts[0] !== 'api' || parts[1] !== 'v1' || parts.some((p) => p === ''))
    return undefined;
  const rest = parts.slice(2);
  const [first, second, third, fourth, fifth] = rest;
  switch (rest.length) {
    case 1:
      if (first === 'nodes' || first === 'namespaces' || first === 'pods')
        return { kind: 'collection', resource: first };
      return undefined;
    case 2:
      if ((first === 'nodes' || first === 'namespaces') && second !== undefined) {
        return { kind: 'object', resource: first, name: second };
      }
      return undefined;
    case 3:
      if (first === 'namespaces' && second !== undefined && third === 'pods') {
        return { kind: 'collection', resource: 'pods', namespace: second };
      }
      return undefined;
    case 4:
      if (first === 'namespaces' && second !== undefined && third === 'pods' && fourth !== undefined) {
        return { kind: 'object', resource: 'pods', namespace: second, name: fourth };
      }
      return undefined;
    case 5:
      if (first === 'namespaces' && second !== undefined && third === 'pods' && fourth !== undefined) {
        if (fifth === 'log' || fifth === 'exec') return { kind: fifth, namespace: second, name: fourth };
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Go's strconv.ParseBool, as the API server reads `follow=`, `stdout=` and `watch=`. */
export function queryFlag(value: string | null): boolean {
  return value !== null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}
