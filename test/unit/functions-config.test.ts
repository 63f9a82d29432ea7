import { loadConfig, SETTINGS } from '../../src/functions/config';

const BASE = { [SETTINGS.archiveAccountUrl]: 'https://stsnat01.blob.core.windows.net' };

describe('loadConfig (the app settings, checked at start)', () => {
  it('gives the defaults for what is not set', () => {
    expect(loadConfig(BASE)).toEqual({
      archive: { accountUrl: 'https://stsnat01.blob.core.windows.net', container: 'snat-findings' },
      teamsWebhookUrl: null,
      traceSeconds: 30,
      cooldownMinutes: 15,
      debugNamespace: 'aks-snat-responder',
      debugImage: 'mcr.microsoft.com/cbl-mariner/busybox:2.0',
      privateCidrs: [],
      managedIdentityClientId: null,
    });
  });

  it('reads every setting', () => {
    expect(
      loadConfig({
        [SETTINGS.archiveConnectionString]: 'UseDevelopmentStorage=true',
        [SETTINGS.archiveContainer]: 'findings',
        [SETTINGS.teamsWebhookUrl]:
          'https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x',
        [SETTINGS.traceSeconds]: '60',
        [SETTINGS.cooldownMinutes]: '0',
        [SETTINGS.debugNamespace]: 'snat',
        [SETTINGS.debugImage]: 'myregistry.azurecr.io/busybox@sha256:0123456789abcdef',
        [SETTINGS.privateCidrs]: '10.224.0.0/12, 10.0.0.0/16',
        [SETTINGS.managedIdentityClientId]: '11111111-2222-3333-4444-555555555555',
      }),
    ).toMatchObject({
      archive: { connectionString: 'UseDevelopmentStorage=true', container: 'findings' },
      traceSeconds: 60,
      cooldownMinutes: 0,
      debugNamespace: 'snat',
      privateCidrs: ['10.224.0.0/12', '10.0.0.0/16'],
    });
  });

  it('names every wrong setting in one line, and never prints the webhook URL', () => {
    let message = '';
    try {
      loadConfig({
        [SETTINGS.traceSeconds]: '30s',
        [SETTINGS.debugNamespace]: 'Bad_NS',
        [SETTINGS.privateCidrs]: '10.0.0.0/33',
        [SETTINGS.teamsWebhookUrl]: 'http://secret-hook.example/sig=abc',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      "app settings: AKS_SNAT_TRACE_SECONDS must be a whole number from 1 to 600, not '30s'; " +
        "AKS_SNAT_DEBUG_NAMESPACE is not a namespace name: 'Bad_NS'; " +
        "AKS_SNAT_PRIVATE_CIDRS: not a CIDR: '10.0.0.0/33'; " +
        'set AKS_SNAT_ARCHIVE_ACCOUNT_URL (or AKS_SNAT_ARCHIVE_CONNECTION_STRING for Azurite); ' +
        'AKS_SNAT_TEAMS_WEBHOOK_URL is not an https URL',
    );
    expect(message).not.toContain('secret-hook');
  });
});

describe('local.settings.example.json', () => {
  it('names every app setting but those of Azure (the identity, the account URL), and loads as it stands', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON fixture of the repository
    const example = require('../../local.settings.example.json') as { Values: Record<string, string> };
    const azureOnly: string[] = [SETTINGS.managedIdentityClientId, SETTINGS.archiveAccountUrl];
    const names = Object.values(SETTINGS).filter((name) => !azureOnly.includes(name));
    expect(names.filter((name) => !(name in example.Values))).toEqual([]);
    expect(loadConfig(example.Values).archive).toEqual({
      connectionString: 'UseDevelopmentStorage=true',
      container: 'snat-findings',
    });
  });
});
