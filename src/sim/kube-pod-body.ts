import { randomInt } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { z } from 'zod';
import { isDns1123Subdomain } from '../core/validate-names';
import { badRequest, invalid, type StatusCause } from './kube-status';

/**
 * A POSTed pod checked as the API server's validation would, as far as the simulator relies on it:
 * JSON, kind Pod, the request's namespace, a DNS-1123 name (or generateName), containers with names and
 * images. Everything else passes through untouched.
 */

const podBody = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z
    .looseObject({
      name: z.string().optional(),
      generateName: z.string().optional(),
      namespace: z.string().optional(),
    })
    .optional(),
  spec: z
    .looseObject({
      containers: z
        .array(z.looseObject({ name: z.string().optional(), image: z.string().optional() }))
        .optional(),
    })
    .optional(),
});

/** The alphabet and length of apiserver's generateName suffix (no vowels, no look-alikes). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function generateNameSuffix(random: (max: number) => number = randomInt): string {
  return Array.from({ length: 5 }, () => SUFFIX_ALPHABET[random(SUFFIX_ALPHABET.length)] ?? 'x').join('');
}

export function parsePodBody(
  text: string,
  namespace: string,
  suffix: () => string = generateNameSuffix,
): V1Pod {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw badRequest(`the body of the request was in an unknown format: ${(error as Error).message}`);
  }
  const parsed = podBody.safeParse(json);
  if (!parsed.success) throw badRequest('the object provided is unrecognized (must be of type Pod)');
  const body = parsed.data;
  if (
    (body.kind !== undefined && body.kind !== 'Pod') ||
    (body.apiVersion !== undefined && body.apiVersion !== 'v1')
  ) {
    throw badRequest(
      `the object provided is unrecognized (must be of type Pod): ${body.apiVersion}, Kind=${body.kind}`,
    );
  }
  if (body.metadata?.namespace !== undefined && body.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const generate = body.metadata?.generateName;
  const name = body.metadata?.name || (generate ? `${generate}${suffix()}` : '');
  const causes: Required<StatusCause>[] = [];
  if (name === '') {
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
      field: 'metadata.name',
    });
  } else if (!isDns1123Subdomain(name)) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      field: 'metadata.name',
    });
  }
  const containers = body.spec?.containers ?? [];
  if (containers.length === 0) {
    causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' });
  }
  containers.forEach((c, i) => {
    if (!c.name)
      causes.push({
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: `spec.containers[${i}].name`,
      });
    if (!c.image)
      causes.push({
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: `spec.containers[${i}].image`,
      });
  });
  if (causes.length > 0) throw invalid('Pod', name, causes);
  // Checked above for what the server reads; the rest of the object is the client's, passed through.
  return { ...(body as V1Pod), metadata: { ...body.metadata, name, namespace } };
}
