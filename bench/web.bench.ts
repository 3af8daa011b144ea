import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { launchTestBrowser } from '../test/support/browser.js';
import type { BenchmarkReport } from './run.js';
import { chromium, ensureSystemPackages, oathtool } from './system-packages.js';
import { spawnWrit } from './writ-process.js';
import { expectJson, requestJson, sendRequest, signInWithTotp } from './writ-https.js';
import { ensureBuilt } from './vault-servers.js';

/*
 * The web UI's weight and the folder view's speed at scale.
 *
 * (a) Bytes of JavaScript and CSS the first page loads: dist/web/index.html's <script src>, <link href>
 *     (stylesheet and modulepreload), raw and gzip (level 6, what a reverse proxy typically uses).
 * (b) In headless Chromium against a real `writ serve`, the time from navigation until a folder of 10,000
 *     documents is usable (the first row visible in the list and the list scrolled to its end showing its
 *     last row), beside a folder of 100 in the same run: median of BENCH_WEB_ROUNDS rounds (default 5),
 *     alternating. The documents are seeded through the HTTP API (small raw-body uploads, 16 in parallel), as
 *     a person's uploads would make them; the rate limit is raised for the seeding only through its setting.
 *     The GET of each folder's listing (what the view waits for first) is timed from Node too.
 *
 * Targets: first page < 250 KB gzip; 10,000 documents ≤ 3× the time of 100.
 * BENCH_WEB_DOCUMENTS sets the large folder's size (default 10000).
 */

const firstPageGzipMaxKb = 250;
const scaleRatioMax = 3;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const webDir = join(repoRoot, 'dist', 'web');
const mainScript = join(repoRoot, 'dist', 'main.js');
const password = 'web bench correct horse battery staple';

function log(line: string): void {
  process.stderr.write(`[bench:web] ${line}\n`);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function ensureWebBuilt(): void {
  const index = join(webDir, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(repoRoot, 'web', 'src'))) return;
  log('dist/web is older than web/src: npm run build:web');
  const result = spawnSync('npm', ['run', 'build:web', '--silent'], {
    cwd: repoRoot,
    stdio: ['ignore', 2, 2],
  });
  if (result.status !== 0)
    throw new Error(`npm run build:web failed (exit ${result.status ?? result.signal})`);
}

type AssetWeight = { path: string; kind: 'js' | 'css'; rawBytes: number; gzipBytes: number };

/** What the first page loads: the assets index.html names, each fetched once. */
type Totals = { js: number; css: number; total: number };

function measureFirstPage(): { assets: AssetWeight[]; raw: Totals; gzip: Totals } {
  const html = readFileSync(join(webDir, 'index.html'), 'utf8');
  const references = new Set<string>();
  for (const match of html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"[^>]*>/g)) {
    const tag = match[0];
    const path = match[1] ?? '';
    if (tag.startsWith('<link') && !/rel="(?:stylesheet|modulepreload)"/.test(tag)) continue;
    if (/\.(?:js|css)$/.test(path)) references.add(path);
  }
  const assets = [...references].map((path): AssetWeight => {
    const bytes = readFileSync(join(webDir, path.replace(/^\//, '')));
    return {
      path,
      kind: path.endsWith('.css') ? 'css' : 'js',
      rawBytes: bytes.length,
      gzipBytes: gzipSync(bytes, { level: 6 }).length,
    };
  });
  const sum = (kind: 'js' | 'css' | 'all', key: 'rawBytes' | 'gzipBytes') =>
    assets
      .filter((asset) => kind === 'all' || asset.kind === kind)
      .reduce((total, asset) => total + asset[key], 0);
  return {
    assets,
    raw: { js: sum('js', 'rawBytes'), css: sum('css', 'rawBytes'), total: sum('all', 'rawBytes') },
    gzip: { js: sum('js', 'gzipBytes'), css: sum('css', 'gzipBytes'), total: sum('all', 'gzipBytes') },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

type Server = { origin: string; ca: string; stop: () => Promise<void> };

async function startServer(root: string): Promise<Server> {
  const dataDir = join(root, 'data');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    WRIT_DATA_DIR: dataDir,
    WRIT_LOG_LEVEL: 'warn',
    // Seeding makes 10,000 requests from one address; the limit protects sign-in, not this measurement.
    WRIT_RATE_LIMIT_PER_MINUTE: '1000000',
  };
  const passwordFile = join(root, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  execFileSync(
    process.execPath,
    [mainScript, 'admin', 'create-user', '--username', 'web.bench', '--role', 'lawyer'],
    {
      env,
      input: readFileSync(passwordFile),
      stdio: ['pipe', 'ignore', 'inherit'],
    },
  );
  const child: ChildProcess = spawnWrit({
    mainScript,
    args: ['serve', '--port', '0', '--sftp-port', '0'],
    env,
  });
  child.stderr?.pipe(process.stderr);
  const origin = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const web = /^ {2}Web: +(https:\/\/localhost:\d+)$/m.exec(stdout);
      if (web?.[1] !== undefined && stdout.includes('Press Ctrl+C to stop.')) resolve(web[1]);
    });
    child.once('exit', (code, signal) => {
      reject(new Error(`writ serve exited (${code ?? signal}):\n${stdout}`));
    });
  });
  return {
    origin,
    ca: readFileSync(join(dataDir, 'tls', 'cert.pem'), 'utf8'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

async function seedFolder({
  origin,
  ca,
  headers,
  matterId,
  name,
  count,
}: {
  origin: string;
  ca: string;
  headers: Record<string, string>;
  matterId: string;
  name: string;
  count: number;
}): Promise<{ folderId: string; seconds: number }> {
  const folder = await expectJson<{ id: string }>(
    requestJson({
      origin,
      ca,
      agent,
      path: `/api/matters/${matterId}/folders`,
      method: 'POST',
      headers,
      body: { name },
    }),
    201,
    'POST folders',
  );
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const query = new URLSearchParams({
        name: `document-${String(index).padStart(5, '0')}.txt`,
        folderId: folder.id,
        mediaType: 'text/plain',
      });
      const answer = await sendRequest({
        origin,
        ca,
        agent,
        path: `/api/matters/${matterId}/documents?${query.toString()}`,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        body: Buffer.from(`Document ${index} of ${name}.\n`),
      });
      if (answer.status !== 201) throw new Error(`upload ${index}: HTTP ${answer.status}: ${answer.body}`);
      if (index % 1000 === 999) log(`${name}: ${index + 1}/${count} uploaded`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { folderId: folder.id, seconds: (performance.now() - started) / 1000 };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const round1 = (value: number) => Math.round(value * 10) / 10;

export async function runBenchmark(): Promise<BenchmarkReport> {
  const rounds = Number(process.env.BENCH_WEB_ROUNDS ?? 5);
  const largeCount = Number(process.env.BENCH_WEB_DOCUMENTS ?? 10_000);
  const smallCount = 100;
  ensureSystemPackages('web', [oathtool, chromium]);
  ensureBuilt();
  ensureWebBuilt();
  const firstPage = measureFirstPage();
  log(`first page: ${firstPage.raw.total} bytes raw, ${firstPage.gzip.total} gzip`);

  const root = mkdtempSync(join(tmpdir(), 'writ-bench-web-'));
  const server = await startServer(root);
  const browser = await launchTestBrowser({ trustedCertificatePem: server.ca });
  try {
    const { origin, ca } = server;
    const { sessionCookie, headers } = await signInWithTotp({
      origin,
      ca,
      agent,
      username: 'web.bench',
      password,
    });
    const matter = await expectJson<{ id: string }>(
      requestJson({
        origin,
        ca,
        agent,
        path: '/api/matters',
        method: 'POST',
        headers,
        body: { name: 'Web bench' },
      }),
      201,
      'POST /api/matters',
    );
    const small = await seedFolder({
      origin,
      ca,
      headers,
      matterId: matter.id,
      name: 'Small',
      count: smallCount,
    });
    const large = await seedFolder({
      origin,
      ca,
      headers,
      matterId: matter.id,
      name: 'Large',
      count: largeCount,
    });
    log(`seeded ${smallCount} + ${largeCount} documents in ${round1(small.seconds + large.seconds)} s`);

    await browser.context.addCookies([
      {
        name: '__Host-writ_session',
        value: sessionCookie.slice('__Host-writ_session='.length),
        url: origin,
        secure: true,
        httpOnly: true,
        sameSite: 'Strict',
      },
    ]);
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    // Warm the static assets' cache and the server's first-request paths, as a person's second visit.
    await page.goto(`${origin}/matters/${matter.id}/folders/${small.folderId}`);
    await page.locator('.document-scroll tbody tr[data-index="0"]').waitFor({ timeout: 60_000 });

    const timings: Record<'small' | 'large', { firstRowMs: number[]; lastRowMs: number[]; apiMs: number[] }> =
      {
        small: { firstRowMs: [], lastRowMs: [], apiMs: [] },
        large: { firstRowMs: [], lastRowMs: [], apiMs: [] },
      };
    for (let round = 0; round < rounds; round += 1) {
      for (const [key, folder, count] of [
        ['small', small, smallCount],
        ['large', large, largeCount],
      ] as const) {
        const apiStarted = performance.now();
        await expectJson(
          requestJson({
            origin,
            ca,
            agent,
            path: `/api/matters/${matter.id}/folders/${folder.folderId}`,
            headers,
          }),
          200,
          'GET folder',
        );
        timings[key].apiMs.push(performance.now() - apiStarted);

        await page.goto('about:blank');
        const started = performance.now();
        await page.goto(`${origin}/matters/${matter.id}/folders/${folder.folderId}`, { waitUntil: 'commit' });
        await page.locator('.document-scroll tbody tr[data-index="0"] a').waitFor({ timeout: 120_000 });
        timings[key].firstRowMs.push(performance.now() - started);
        // Usable: the list scrolls to its end and renders its last row there.
        // A string: the bench's tsconfig has no DOM types.
        await page.evaluate(
          "(() => { const box = document.querySelector('.document-scroll'); box.scrollTop = box.scrollHeight; })()",
        );
        await page
          .locator(`.document-scroll tbody tr[data-index="${count - 1}"] a`)
          .waitFor({ timeout: 60_000 });
        timings[key].lastRowMs.push(performance.now() - started);
      }
      log(`round ${round + 1}/${rounds} done`);
    }

    const summary = (key: 'small' | 'large') => ({
      firstRowMedianMs: round1(median(timings[key].firstRowMs)),
      scrolledToEndMedianMs: round1(median(timings[key].lastRowMs)),
      listingApiMedianMs: round1(median(timings[key].apiMs)),
      firstRowMs: timings[key].firstRowMs.map(round1),
      scrolledToEndMs: timings[key].lastRowMs.map(round1),
    });
    const smallSummary = summary('small');
    const largeSummary = summary('large');
    const ratio =
      Math.round((largeSummary.scrolledToEndMedianMs / smallSummary.scrolledToEndMedianMs) * 100) / 100;
    const firstRowRatio =
      Math.round((largeSummary.firstRowMedianMs / smallSummary.firstRowMedianMs) * 100) / 100;
    const firstPageGzipKb = round1(firstPage.gzip.total / 1000);
    return {
      bench: 'web',
      command: 'npm run bench -- web',
      metrics: {
        firstPageBytes: { raw: firstPage.raw, gzip: firstPage.gzip },
        firstPageGzipKb,
        firstPageAssets: firstPage.assets,
        [`folder${largeCount}`]: largeSummary,
        seedSeconds: round1(small.seconds + large.seconds),
        rounds,
      },
      baseline: { folder100: smallSummary },
      ratios: {
        usableLargeOverSmall: ratio,
        firstRowLargeOverSmall: firstRowRatio,
      },
      targets: {
        firstPageGzipKbMax: firstPageGzipMaxKb,
        isFirstPageWithinTarget: firstPageGzipKb < firstPageGzipMaxKb,
        usableRatioMax: scaleRatioMax,
        isScaleWithinTarget: ratio <= scaleRatioMax,
      },
    };
  } finally {
    await browser.close();
    await server.stop();
    agent.destroy();
    rmSync(root, { recursive: true, force: true });
  }
}
