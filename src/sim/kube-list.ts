import { InputError } from '../core/errors';

/**
 * List paging as the API server does it: items in key order (`namespace/name`), `limit` per page, and
 * an opaque `continue` token naming the last key served. Like the real token it carries the list's
 * resourceVersion; unlike etcd this store keeps no snapshots, so a later page reflects objects as they are
 * when it is asked for.
 */

export interface ContinueToken {
  readonly resourceVersion: number;
  /** The first key the next page may hold (the last key served, followed by NUL). */
  readonly start: string;
}

export interface PageRequest {
  readonly limit?: number;
  readonly continueToken?: string;
}

export interface Page<T> {
  readonly items: T[];
  /** Set when more items remain; pass it back as `continue`. */
  readonly continueToken?: string;
  /** How many items the following pages hold (the real server reports it for lists without selectors). */
  readonly remainingItemCount?: number;
}

/** Same layout as apiserver's etcd3 continue key: base64 of `{"v","rv","start"}`. */
export function encodeContinue(token: ContinueToken): string {
  const json = JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.resourceVersion, start: token.start });
  return Buffer.from(json, 'utf8').toString('base64url');
}

export function decodeContinue(text: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InputError('continue key is not valid: the continue token is not valid base64 JSON', {
      cause: error,
    });
  }
  const { v, rv, start } = (parsed ?? {}) as { v?: unknown; rv?: unknown; start?: unknown };
  if (v !== 'meta.k8s.io/v1' || typeof rv !== 'number' || typeof start !== 'string' || start === '') {
    throw new InputError(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  return { resourceVersion: rv, start };
}

/** `limit` from a query: absent, empty or 0 means everything; anything else must be a positive integer. */
export function parseLimit(text: string | null): number | undefined {
  if (text === null || text === '' || text === '0') return undefined;
  const limit = Number(text);
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new InputError(`limit must be a non-negative integer, not "${text}"`);
  return limit;
}

/**
 * One page of `items` (already filtered), ordered by `keyOf`. `countRemaining` asks for
 * remainingItemCount on a page that is not the last.
 */
export function paginate<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  request: PageRequest,
  resourceVersion: number,
  countRemaining: boolean,
): Page<T> {
  const sorted = items
    .map((item) => ({ key: keyOf(item), item }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const start = request.continueToken === undefined ? undefined : decodeContinue(request.continueToken).start;
  const from = start === undefined ? sorted : sorted.filter((entry) => entry.key >= start);
  if (request.limit === undefined || from.length <= request.limit) return { items: from.map((e) => e.item) };
  const page = from.slice(0, request.limit);
  const lastKey = page[page.length - 1]?.key ?? '';
  return {
    items: page.map((e) => e.item),
    continueToken: encodeContinue({ resourceVersion, start: `${lastKey}\u0000` }),
    ...(countRemaining ? { remainingItemCount: from.length - page.length } : {}),
  };
}
