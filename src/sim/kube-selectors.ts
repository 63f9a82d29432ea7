import { InputError } from '../core/errors';

/**
 * Label and field selectors as the API server reads them from `labelSelector` / `fieldSelector`.
 * Parsing throws InputError (the server answers 400 BadRequest); matching is a pure predicate.
 */

export type LabelRequirement =
  | { readonly op: 'exists' | '!exists'; readonly key: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] };

export interface FieldRequirement {
  readonly field: string;
  readonly op: '=' | '!=';
  readonly value: string;
}

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside `( ... )`: `a in (x,y),b` is two terms. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms.map((t) => t.trim());
}

function checkKey(key: string, selector: string): string {
  if (!LABEL_KEY.test(key) || key.length > 317) {
    throw new InputError(`unable to parse requirement: invalid label key "${key}" in "${selector}"`);
  }
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!LABEL_VALUE.test(value) || value.length > 63) {
    throw new InputError(`unable to parse requirement: invalid label value "${value}" in "${selector}"`);
  }
  return value;
}

export function parseLabelSelector(selector: string): LabelRequirement[] {
  if (selector.trim() === '') return [];
  return splitTerms(selector).map((term): LabelRequirement => {
    const set = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
    if (set !== null) {
      const [, key = '', op = 'in', list = ''] = set;
      const values = list.split(',').map((v) => checkValue(v.trim(), selector));
      return { op: op === 'in' ? 'in' : 'notin', key: checkKey(key, selector), values };
    }
    const compare = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (compare !== null) {
      const [, key = '', op, value = ''] = compare;
      const values = [checkValue(value, selector)];
      return { op: op === '!=' ? 'notin' : 'in', key: checkKey(key, selector), values };
    }
    if (term.startsWith('!')) return { op: '!exists', key: checkKey(term.slice(1).trim(), selector) };
    if (term !== '') return { op: 'exists', key: checkKey(term, selector) };
    throw new InputError(`unable to parse requirement: empty term in "${selector}"`);
  });
}

export function matchesLabels(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return requirements.every((r) => {
    const value = labels?.[r.key];
    switch (r.op) {
      case 'exists':
        return value !== undefined;
      case '!exists':
        return value === undefined;
      case 'in':
        return value !== undefined && r.values.includes(value);
      case 'notin':
        // As in apimachinery: `k!=v` and `k notin (v)` also match objects without the label.
        return value === undefined || !r.values.includes(value);
    }
  });
}

/** `\,` `\=` `\\` escape the separators inside a field selector value. */
function unescapeFieldValue(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

/** Splits on `sep` where it is not escaped by a backslash. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\\' && i + 1 < text.length) {
      current += c + (text[i + 1] ?? '');
      i++;
    } else if (c === sep) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/**
 * `spec.nodeName=aks-1,status.phase!=Failed`. Only the fields the resource supports are accepted,
 * with the real server's message for the others.
 */
export function parseFieldSelector(selector: string, supported: readonly string[]): FieldRequirement[] {
  if (selector.trim() === '') return [];
  return splitUnescaped(selector, ',').map((term) => {
    const match = /^([^=!]+)(==|=|!=)(.*)$/s.exec(term.trim());
    if (match === null) throw new InputError(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field = '', op, value = ''] = match;
    if (!supported.includes(field.trim())) throw new InputError(`field label not supported: ${field.trim()}`);
    return { field: field.trim(), op: op === '!=' ? '!=' : '=', value: unescapeFieldValue(value) };
  });
}

export function matchesFields(
  requirements: readonly FieldRequirement[],
  fields: Readonly<Record<string, string>>,
): boolean {
  return requirements.every((r) => ((fields[r.field] ?? '') === r.value) === (r.op === '='));
}
