import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { DirectoryArchive } from '../../src/adapters/archive/directory-archive';
import { AzureAccess } from '../../src/adapters/azure/azure-access';
import { KubeAccess } from '../../src/adapters/kube/kube-access';
import { DEFAULT_SCENARIO } from '../../src/sim/default-scenario';
import { SIM_DEBUG_NAMESPACE, startSimCluster } from '../../src/sim/sim-cluster';
import { investigate } from '../../src/workflow/local-driver';
import { simCredential } from '../../src/sim/sim-credential';

const CHROMIUM = '/usr/bin/chromium';

let dir: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (npm test's pretest does, as root)`);
  }
  dir = mkdtempSync(join(tmpdir(), 'aks-snat-report-'));
  const sim = await startSimCluster(DEFAULT_SCENARIO, { startDelayMs: 20 });
  try {
    const credential = simCredential(sim.token);
    const archive = new DirectoryArchive(dir);
    await investigate(
      {
        investigationId: 'report',
        cluster: { clusterId: sim.arm.clusterId },
        node: { ip: sim.alertNodeIp },
        traceSeconds: 2,
        requestedAt: new Date().toISOString(),
      },
      {
        azure: new AzureAccess({ credential, endpoint: sim.arm.endpoint, tlsOptions: { ca: sim.arm.ca } }),
        kube: (kubeconfig) => new KubeAccess({ kubeconfig }),
        archive: () => archive,
        debugNamespace: SIM_DEBUG_NAMESPACE,
        debugImage: 'busybox',
      },
    );
  } finally {
    await sim.close();
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('report.html in headless Chromium', () => {
  it('shows both charts and the card rendered as Teams would, with no request beyond the file', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 2400 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(error.message));
    const url = pathToFileURL(join(dir, 'report.html')).href;
    await page.goto(url);

    expect(await page.locator('#pods-chart rect').count()).toBe(5);
    expect(await page.locator('#pods-chart rect').first().getAttribute('fill')).toBe('#c50f1f'); // the culprit
    expect(await page.locator('#snat-chart polyline').count()).toBe(1);
    const card = page.locator('#card .ac-adaptiveCard');
    await card.waitFor();
    expect(await card.innerText()).toContain('Culprit: **shop/checkout-5d8f7**');
    expect(await card.innerText()).toContain('Rerun: POST /api/investigations');

    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  }, 60_000);
});
