import { z } from 'zod';
import { DEFAULT_DEBUG_IMAGE, DEFAULT_DEBUG_NAMESPACE } from '../adapters/kube/debug-pod';
import { isCidr } from '../core/classify-ip';
import { InputError } from '../core/errors';
import { DEFAULT_TRACE_SECONDS, MAX_TRACE_SECONDS } from '../core/investigation-request';
import { isDns1123Label } from '../core/validate-names';

/**
 * Every app setting the responder reads, with its default. The Bicep sets each of these (a test keeps the
 * two in step); nothing else is read from the environment.
 */
export const SETTINGS = {
  /** Blob account for the archive: its URL (managed identity) ... */
  archiveAccountUrl: 'AKS_SNAT_ARCHIVE_ACCOUNT_URL',
  /** ... or, locally (Azurite), a connection string. */
  archiveConnectionString: 'AKS_SNAT_ARCHIVE_CONNECTION_STRING',
  archiveContainer: 'AKS_SNAT_ARCHIVE_CONTAINER',
  /** The Teams Workflows webhook URL (a Key Vault reference in Azure); unset, no card is posted. */
  teamsWebhookUrl: 'AKS_SNAT_TEAMS_WEBHOOK_URL',
  traceSeconds: 'AKS_SNAT_TRACE_SECONDS',
  cooldownMinutes: 'AKS_SNAT_COOLDOWN_MINUTES',
  debugNamespace: 'AKS_SNAT_DEBUG_NAMESPACE',
  debugImage: 'AKS_SNAT_DEBUG_IMAGE',
  /** Comma-separated CIDRs that do not use SNAT beyond the built-in ones (VNet, pod and service CIDRs). */
  privateCidrs: 'AKS_SNAT_PRIVATE_CIDRS',
  /** The user-assigned managed identity's client ID, for DefaultAzureCredential. */
  managedIdentityClientId: 'AZURE_CLIENT_ID',
} as const;

const integer = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a whole number from ${min} to ${max}, not '${value}'`,
        });
        return z.NEVER;
      }
      return n;
    });

export interface AppConfig {
  readonly archive:
    | { readonly accountUrl: string; readonly container: string }
    | { readonly connectionString: string; readonly container: string };
  readonly teamsWebhookUrl: string | null;
  readonly traceSeconds: number;
  readonly cooldownMinutes: number;
  readonly debugNamespace: string;
  readonly debugImage: string;
  readonly privateCidrs: readonly string[];
  readonly managedIdentityClientId: string | null;
}

/** The app settings, checked at start: a wrong one is named in one line rather than met mid-incident. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): AppConfig {
  const problems: string[] = [];
  const read = <T>(schema: z.ZodType<T>, value: string | undefined): T | undefined => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    problems.push(...result.error.issues.map((issue) => issue.message));
    return undefined;
  };
  const traceSeconds = read(
    integer(SETTINGS.traceSeconds, 1, MAX_TRACE_SECONDS, DEFAULT_TRACE_SECONDS),
    env[SETTINGS.traceSeconds],
  );
  const cooldownMinutes = read(integer(SETTINGS.cooldownMinutes, 0, 1440, 15), env[SETTINGS.cooldownMinutes]);
  const debugNamespace = env[SETTINGS.debugNamespace] || DEFAULT_DEBUG_NAMESPACE;
  if (!isDns1123Label(debugNamespace))
    problems.push(`${SETTINGS.debugNamespace} is not a namespace name: '${debugNamespace}'`);
  const debugImage = env[SETTINGS.debugImage] || DEFAULT_DEBUG_IMAGE;
  if (!/^[\w.:/@-]{1,255}$/.test(debugImage))
    problems.push(`${SETTINGS.debugImage} is not an image reference`);
  const privateCidrs = (env[SETTINGS.privateCidrs] ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  for (const cidr of privateCidrs.filter((c) => !isCidr(c))) {
    problems.push(`${SETTINGS.privateCidrs}: not a CIDR: '${cidr}'`);
  }
  const container = env[SETTINGS.archiveContainer] || 'snat-findings';
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(container)) {
    problems.push(`${SETTINGS.archiveContainer} is not a Blob container name: '${container}'`);
  }
  const accountUrl = env[SETTINGS.archiveAccountUrl];
  const connectionString = env[SETTINGS.archiveConnectionString];
  if (!accountUrl && !connectionString) {
    problems.push(`set ${SETTINGS.archiveAccountUrl} (or ${SETTINGS.archiveConnectionString} for Azurite)`);
  }
  if (accountUrl && !/^https:\/\/[a-z0-9]{3,24}\.blob\.[\w.]+\/?$/.test(accountUrl)) {
    problems.push(
      `${SETTINGS.archiveAccountUrl} is not a Blob account URL (https://<account>.blob.core.windows.net)`,
    );
  }
  const teams = env[SETTINGS.teamsWebhookUrl] || null;
  if (teams !== null && !/^https:\/\/\S+$/.test(teams)) {
    // The URL is a secret: name the setting, never print it.
    problems.push(`${SETTINGS.teamsWebhookUrl} is not an https URL`);
  }
  if (problems.length > 0) throw new InputError(`app settings: ${problems.join('; ')}`);
  return {
    archive: accountUrl ? { accountUrl, container } : { connectionString: connectionString ?? '', container },
    teamsWebhookUrl: teams,
    traceSeconds: traceSeconds ?? DEFAULT_TRACE_SECONDS,
    cooldownMinutes: cooldownMinutes ?? 15,
    debugNamespace,
    debugImage,
    privateCidrs,
    managedIdentityClientId: env[SETTINGS.managedIdentityClientId] || null,
  };
}
