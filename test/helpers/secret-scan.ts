import { parse } from 'yaml';

/** A secret in one of the forms it could take on its way into a log, a history or a file. */
export interface SecretForm {
  /** Which secret, and in what form: `sim token (base64)`. */
  readonly name: string;
  readonly value: string;
}

/** One string the run produced, and where it came from: `local: activity output #4 (findNode)`. */
export interface Scanned {
  readonly where: string;
  readonly text: string;
}

export interface Hit {
  readonly secret: string;
  readonly where: string;
}

/** Shorter than this, a "secret" would match by chance (and no real one is this short). */
const MIN_LENGTH = 12;

/**
 * The forms a secret could be found in: as is, JSON-escaped (a multi-line kubeconfig in a history), URL-
 * encoded, and base64 / base64url (a token inside a header, a kubeconfig as ARM returns it).
 */
export function secretForms(name: string, value: string): SecretForm[] {
  const forms: SecretForm[] = [
    { name, value },
    { name: `${name} (JSON-escaped)`, value: JSON.stringify(value).slice(1, -1) },
    { name: `${name} (URL-encoded)`, value: encodeURIComponent(value) },
    { name: `${name} (base64)`, value: Buffer.from(value, 'utf8').toString('base64') },
    { name: `${name} (base64url)`, value: Buffer.from(value, 'utf8').toString('base64url') },
  ];
  const seen = new Set<string>();
  return forms.filter((form) => {
    if (form.value.length < MIN_LENGTH || seen.has(form.value)) return false;
    seen.add(form.value);
    return true;
  });
}

/**
 * The secrets in a kubeconfig: the whole text, and each user's token, client key and certificate and each
 * cluster's certificate authority data (with the PEM it decodes to).
 */
export function kubeconfigSecrets(kubeconfig: string): SecretForm[] {
  const config = parse(kubeconfig) as {
    clusters?: { name?: string; cluster?: Record<string, unknown> }[];
    users?: { name?: string; user?: Record<string, unknown> }[];
  };
  const found: SecretForm[] = secretForms('kubeconfig', kubeconfig);
  const add = (name: string, value: unknown) => {
    if (typeof value === 'string') found.push(...secretForms(name, value));
  };
  for (const { name, cluster } of config.clusters ?? []) {
    const ca = cluster?.['certificate-authority-data'];
    add(`kubeconfig certificate-authority-data of ${name}`, ca);
    if (typeof ca === 'string')
      add(`kubeconfig CA PEM of ${name}`, Buffer.from(ca, 'base64').toString('utf8'));
  }
  for (const { name, user } of config.users ?? []) {
    for (const field of ['token', 'client-key-data', 'client-certificate-data', 'password']) {
      add(`kubeconfig ${field} of ${name}`, user?.[field]);
    }
  }
  return found;
}

/** The first line of a PEM's body: a block copied anywhere, re-wrapped or not, carries it. */
export function pemBodyLine(name: string, pem: string): SecretForm[] {
  const line = pem.split('\n').find((l) => l !== '' && !l.startsWith('-----'));
  return line === undefined ? [] : [{ name: `${name} (PEM line)`, value: line }];
}

/** Every (secret, place) where a secret form occurs in the scanned strings. */
export function scanForSecrets(corpus: readonly Scanned[], secrets: readonly SecretForm[]): Hit[] {
  const hits: Hit[] = [];
  for (const { where, text } of corpus) {
    for (const secret of secrets) {
      if (text.includes(secret.value)) hits.push({ secret: secret.name, where });
    }
  }
  return hits;
}

/** A value as text for the scan: strings as they are, errors with message and stack, the rest as JSON. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) {
    const cause = value.cause === undefined ? '' : `\ncause: ${asText(value.cause)}`;
    return `${value.name}: ${value.message}\n${value.stack ?? ''}${cause}`;
  }
  if (value instanceof Map) return JSON.stringify([...(value as Map<unknown, unknown>).entries()]);
  return JSON.stringify(value) ?? String(value);
}
