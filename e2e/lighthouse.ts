import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stopAllServers } from '@shop/testing';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_PATH, SCREENSHOTS } from './support/browser.ts';
import { Shop } from './support/shop-client.ts';
import { startNginxStorefront } from './support/storefront.ts';
import { startShopSystem } from './support/system.ts';

// npm run lighthouse: Lighthouse's performance and accessibility scores of the storefront's home and product
// pages, each at least MIN_SCORE. The production build served by nginx with the image's own configuration
// (e2e/support/storefront.ts), the API a whole running system's gateway (real PostgreSQL, Redis, Kafka),
// the OS Chromium. Lighthouse's default: a phone on a slow 4G network with a 4x slower CPU, simulated: the
// network is modelled, but the CPU time is what this machine spent, times 4, so run it on a quiet machine
// (.ci/run runs it last). Each run logs Lighthouse's benchmark index of this machine (its own CPU test;
// higher is faster), so a low score can be told from a slow machine. Each page is measured RUNS times and the
// median counts (Lighthouse's own advice for a noisy machine). Reports: apps/web/test-results/lighthouse-*.

const MIN_SCORE = 90;
const RUNS = 3;
const CATEGORIES = ['performance', 'accessibility'] as const;

const log = (message: string) => process.stderr.write(`[lighthouse] ${message}\n`);

type Scores = Record<(typeof CATEGORIES)[number], number>;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** One score per category, from what `score` says of each. */
const scoresBy = (score: (category: (typeof CATEGORIES)[number]) => number) =>
  Object.fromEntries(CATEGORIES.map((category) => [category, score(category)])) as Scores;

async function main(): Promise<boolean> {
  log('starting the shop (PostgreSQL, Redis, Kafka and every service) ...');
  const system = await startShopSystem({ tracing: false });
  const chrome = await chromeLauncher
    .launch({
      chromePath: CHROMIUM_PATH,
      chromeFlags: ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    })
    .catch((error: unknown) => {
      throw new Error(
        `Chromium did not start from ${CHROMIUM_PATH} (${error instanceof Error ? error.message : String(error)}); ` +
          'install it with `apt-get install chromium` or set CHROMIUM_PATH.',
      );
    });
  const storefront = await startNginxStorefront(system.url).catch(async (error: unknown) => {
    chrome.kill();
    await system.close();
    throw error;
  });
  try {
    const shop = new Shop(system.url);
    const admin = await shop.admin();
    const products = [];
    for (const [name, amount, category] of [
      ['Enamel kettle', 2_999, 'kitchen'],
      ['Stoneware teapot', 1_250, 'kitchen'],
      ['Linen apron', 1_800, 'textiles'],
      ['Oak chopping board', 3_400, 'kitchen'],
    ] as const) {
      const created = await shop.expect(201, 'POST', '/api/v1/products', {
        token: admin.token,
        body: {
          sku: `LH-${products.length + 1}-${Date.now()}`,
          name,
          description: `A ${name.toLowerCase()} for the Lighthouse run: a plain description of some length.`,
          category,
          price: { amount, currency: 'USD' },
          stock: 20,
        },
      });
      products.push(created.body.id as string);
    }
    const pages = { home: `${storefront.url}/`, product: `${storefront.url}/products/${products[0]}` };
    log(`storefront (nginx) at ${storefront.url}; ${RUNS} runs per page, the median counts`);

    await mkdir(SCREENSHOTS, { recursive: true });
    let passed = true;
    const summary: Record<string, Scores> = {};
    for (const [page, url] of Object.entries(pages)) {
      const runs: Scores[] = [];
      for (let run = 1; run <= RUNS; run++) {
        const result = await lighthouse(url, {
          port: chrome.port,
          output: 'html',
          onlyCategories: [...CATEGORIES],
          logLevel: 'error',
        });
        if (!result)
          throw new Error(`Lighthouse returned nothing for ${url}: run it again with logLevel 'info'.`);
        const { lhr } = result;
        if (lhr.runtimeError)
          throw new Error(
            `Lighthouse could not load ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`,
          );
        const scores = scoresBy((category) => Math.round((lhr.categories[category]?.score ?? 0) * 100));
        runs.push(scores);
        const metrics = [
          'first-contentful-paint',
          'largest-contentful-paint',
          'total-blocking-time',
          'cumulative-layout-shift',
        ]
          .map((id) => `${id.replace(/-/g, ' ')} ${lhr.audits[id]?.displayValue ?? '?'}`)
          .join(', ');
        log(
          `${page} run ${run}/${RUNS}: performance ${scores.performance}, accessibility ${scores.accessibility} ` +
            `(${metrics}; benchmark index ${Math.round(lhr.environment.benchmarkIndex)})`,
        );
        if (run === RUNS) {
          await writeFile(path.join(SCREENSHOTS, `lighthouse-${page}.html`), result.report as string);
          const failing = Object.values(lhr.audits)
            .filter(
              (audit) =>
                audit.score !== null && audit.score < 0.9 && audit.scoreDisplayMode !== 'informative',
            )
            .map((audit) => `${audit.id}${audit.displayValue ? ` (${audit.displayValue})` : ''}`);
          if (failing.length > 0) log(`${page}: audits below 0.9: ${failing.join(', ')}`);
          // What total blocking time is made of: the main thread's tasks over 50 ms (simulated phone time).
          const longTasks = (
            lhr.audits['long-tasks']?.details as { items?: { url: string; duration: number }[] }
          )?.items;
          if (longTasks?.length)
            log(
              `${page}: long tasks ${longTasks
                .slice(0, 5)
                .map((task) => `${Math.round(task.duration)} ms (${task.url.split('/').pop() || task.url})`)
                .join(', ')}`,
            );
        }
      }
      const scores = scoresBy((category) => median(runs.map((run) => run[category])));
      summary[page] = scores;
      for (const category of CATEGORIES) {
        if (scores[category] < MIN_SCORE) passed = false;
      }
    }
    await writeFile(path.join(SCREENSHOTS, 'lighthouse.json'), `${JSON.stringify(summary, null, 2)}\n`);
    for (const [page, scores] of Object.entries(summary)) {
      log(
        `${page}: performance ${scores.performance}, accessibility ${scores.accessibility} ` +
          `(median of ${RUNS}; at least ${MIN_SCORE} each)`,
      );
    }
    return passed;
  } finally {
    chrome.kill();
    await storefront.close();
    await system.close();
    await stopAllServers();
  }
}

const passed = await main();
if (!passed) {
  log(
    `a score is under ${MIN_SCORE}: open apps/web/test-results/lighthouse-<page>.html for the audits that cost it, ` +
      'fix them in apps/web, then run npm run lighthouse again.',
  );
  process.exit(1);
}
log('every score is at least 90');
