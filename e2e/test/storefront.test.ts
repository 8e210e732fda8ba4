import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stopAllServers } from '@shop/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshot } from '../support/browser.ts';
import { fillAddress, goToCheckout, orderStatus } from '../support/pages.ts';
import { Shop, type Account } from '../support/shop-client.ts';
import { startStorefront, type Storefront } from '../support/storefront.ts';
import { ADMIN, startShopSystem, type ShopSystem } from '../support/system.ts';
import axe from 'axe-core';

// The storefront (apps/web) as a shopper meets it: the production build served by `vite preview` with /api
// proxied to the gateway of a whole system, driven in the OS Chromium. Every assertion reads the page as a
// person would (roles and labels), and what the shop recorded is read back through the gateway.

const ROOT = path.join(import.meta.dirname, '..', '..');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

let system: ShopSystem;
let storefront: Storefront;
let browser: Browser;
let shop: Shop;
let admin: Account;
const word = `zq${randomUUID().slice(0, 6)}`;
let products: { id: string; name: string }[];

before(async () => {
  system = await startShopSystem({ tracing: false });
  shop = new Shop(system.url);
  admin = await shop.admin();
  products = [];
  for (const [label, amount] of [
    ['kettle', 2_999],
    ['teapot', 1_250],
    ['mug', 800],
  ] as const) {
    const sku = `WEB-${randomUUID().slice(0, 8).toUpperCase()}`;
    const created = await shop.expect(201, 'POST', '/api/v1/products', {
      token: admin.token,
      body: {
        sku,
        name: `Browser ${label} ${word}`,
        description: `A ${label} for the storefront test.`,
        category: 'web-kitchen',
        price: { amount, currency: 'USD' },
        stock: 50,
      },
    });
    products.push({ id: created.body.id as string, name: created.body.name as string });
  }
  [storefront, browser] = await Promise.all([startStorefront(system.url), launchChromium()]);
});
after(async () => {
  await browser?.close();
  await storefront?.close();
  await system?.close();
  await stopAllServers();
});

/** axe-core in the page: the serious and critical WCAG 2 A/AA violations, as "rule: target" lines. */
async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  // A string, evaluated in the page (whose globals this file's types do not know).
  const results: axe.AxeResults = await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })",
  );
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

const accessibilityReport: Record<string, string[]> = {};
async function checkAccessibility(page: Page, name: string): Promise<void> {
  accessibilityReport[name] = await accessibilityProblems(page);
}

async function newPage(viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, baseURL: storefront.url });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}

async function signUp(page: Page, name: string): Promise<{ email: string; password: string }> {
  const email = `web-${randomUUID()}@example.com`;
  const password = `a storefront passphrase ${randomUUID().slice(0, 8)}`;
  await page.getByRole('link', { name: 'Sign up', exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText(`Hi, ${name}`).waitFor();
  return { email, password };
}

async function addToCart(page: Page, productName: string, quantity = 1): Promise<void> {
  await page.goto(`/?q=${word}`);
  await page.getByRole('link', { name: productName }).click();
  await page.getByRole('heading', { level: 1, name: productName }).waitFor();
  await page.getByLabel('Quantity').fill(String(quantity));
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('status').filter({ hasText: 'Added' }).waitFor();
}

describe('the storefront in Chromium', () => {
  test('the checked-in API types match the gateway (npm run api:types -w @shop/web -- --check)', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'apps/web/scripts/api-types.ts'), '--check'], {
      env: { ...process.env, GATEWAY_URL: system.url },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, stderr);
  });

  test('a guest browses and searches, signs up (the guest cart comes along), adds a second product, checks out with pm_card_visa and sees CONFIRMED', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto('/');
      await page.getByRole('heading', { name: 'Featured' }).waitFor();
      await screenshot(page, 'home-desktop');
      await checkAccessibility(page, 'home');
      // Search as you type: the URL follows the box, the results follow the URL.
      await page.getByLabel('Search the catalog').fill(word);
      await page.getByRole('heading', { name: `Results for “${word}”` }).waitFor();
      assert.match(page.url(), new RegExp(`[?&]q=${word}`));
      await page.getByRole('link', { name: products[0]!.name }).waitFor();
      await page.getByRole('link', { name: products[1]!.name }).waitFor();

      await addToCart(page, products[0]!.name, 2);
      await screenshot(page, 'product-desktop');
      await checkAccessibility(page, 'product');
      await page.goto('/');
      const account = await signUp(page, 'Ada');
      await addToCart(page, products[1]!.name);
      await goToCheckout(page);
      await fillAddress(page);
      await page.getByLabel(/Visa test card/).check();
      await screenshot(page, 'checkout-desktop');
      await checkAccessibility(page, 'checkout');
      await page.getByRole('button', { name: 'Place order' }).click();
      await orderStatus(page, 'CONFIRMED');
      await screenshot(page, 'order-confirmed-desktop');
      await checkAccessibility(page, 'order');
      await page.getByText('$72.48').first().waitFor();
      await page.getByRole('link', { name: /^Cart/ }).click();
      await page.getByRole('heading', { name: 'Your cart is empty' }).waitFor();

      // What the shop recorded: one order, both products, the guest's two kettles merged in.
      const customer = await shop.logIn(account.email, account.password);
      const orders = await shop.expect(200, 'GET', '/api/v1/orders?limit=10', { token: customer.token });
      assert.equal(orders.body.items.length, 1);
      const order = orders.body.items[0];
      assert.equal(order.status, 'CONFIRMED');
      assert.deepEqual(
        order.lines
          .map((line: { productId: string; quantity: number }) => [line.productId, line.quantity])
          .sort(),
        [
          [products[0]!.id, 2],
          [products[1]!.id, 1],
        ].sort(),
      );
      assert.deepEqual(order.total, { amount: 2 * 2_999 + 1_250, currency: 'USD' });
    } finally {
      await context.close();
    }
  });

  test('the session survives a reload with no token in the page: the refresh token is an httpOnly, Secure, SameSite=Strict cookie on /api/v1/auth, and signing out clears it', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto('/');
      await signUp(page, 'Grace');
      const refreshCookies = async () =>
        (await context.cookies()).filter((cookie) => cookie.name === 'shop_refresh');
      const [cookie] = await refreshCookies();
      assert.ok(cookie, 'auth set no shop_refresh cookie through the storefront');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.secure, true);
      assert.equal(cookie.sameSite, 'Strict');
      assert.equal(cookie.path, '/api/v1/auth');
      assert.ok(cookie.value.length >= 43);
      // What a script in the page can read: storage and document.cookie.
      const readable: string = await page.evaluate(
        'JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })',
      );
      assert.ok(!readable.includes(cookie.value), `the refresh token is readable by scripts: ${readable}`);
      assert.doesNotMatch(readable, /eyJ[\w-]+\.[\w-]+\./, 'an access token (a JWT) is in storage');

      await page.reload();
      await page.getByText('Hi, Grace').waitFor();
      const [rotated] = await refreshCookies();
      assert.ok(rotated && rotated.value !== cookie.value, 'the reload did not rotate the refresh cookie');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('link', { name: 'Sign in' }).waitFor();
      assert.deepEqual(await refreshCookies(), []);
      await page.reload();
      await page.getByRole('link', { name: 'Sign in' }).waitFor();
      assert.equal(await page.getByText('Hi, Grace').count(), 0);
      // The token the page held last is revoked, not only forgotten.
      const replay = await shop.request('POST', '/api/v1/auth/refresh', {
        headers: { cookie: `shop_refresh=${rotated.value}` },
        body: {},
      });
      assert.equal(replay.status, 401);
    } finally {
      await context.close();
    }
  });

  test('on a phone: a declined card shows the decline, and another card then confirms the same order', async () => {
    const { context, page } = await newPage(PHONE);
    try {
      await page.goto('/');
      await page.getByRole('heading', { name: 'Featured' }).waitFor();
      await screenshot(page, 'home-phone');
      await checkAccessibility(page, 'home (phone)');
      await signUp(page, 'Grace');
      await addToCart(page, products[1]!.name);
      await screenshot(page, 'product-phone');
      await checkAccessibility(page, 'product (phone)');
      await goToCheckout(page);
      await fillAddress(page);
      await screenshot(page, 'checkout-phone');
      await page.getByLabel(/Declined card/).check();
      await page.getByRole('button', { name: 'Place order' }).click();
      await page.getByRole('heading', { name: 'Your card was declined.' }).waitFor({ timeout: 45_000 });
      await screenshot(page, 'order-declined-phone');
      await checkAccessibility(page, 'order declined (phone)');
      const orderUrl = page.url();
      await page.getByLabel(/Visa test card/).check();
      await page.getByRole('button', { name: 'Pay with this card' }).click();
      await orderStatus(page, 'CONFIRMED');
      assert.equal(page.url(), orderUrl);
      await screenshot(page, 'order-confirmed-phone');
    } finally {
      await context.close();
    }
  });

  test('a double-clicked Place order makes one order and one payment', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto('/');
      const account = await signUp(page, 'Linus');
      await addToCart(page, products[0]!.name);
      await goToCheckout(page);
      await fillAddress(page);
      await page.getByRole('button', { name: 'Place order' }).dblclick();
      await orderStatus(page, 'CONFIRMED');
      const customer = await shop.logIn(account.email, account.password);
      const orders = await shop.expect(200, 'GET', '/api/v1/orders?limit=10', { token: customer.token });
      assert.equal(orders.body.items.length, 1, JSON.stringify(orders.body.items));
      const payments = await shop.expect(200, 'GET', `/api/v1/payments?orderId=${orders.body.items[0].id}`, {
        token: customer.token,
      });
      assert.equal(payments.body.payments.length, 1);
    } finally {
      await context.close();
    }
  });

  test('an admin changes a price in the admin area and a shopper sees it; a stale edit is refused and explained', async () => {
    const mug = products[2]!;
    const { context, page } = await newPage();
    try {
      await page.goto('/signin?next=/admin');
      await page.getByLabel('Email').fill(ADMIN.email);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Products' }).waitFor();
      const row = page.locator(`tr[data-product="${mug.id}"]`);
      await row.getByLabel(`Price of ${mug.name}`).fill('9.99');
      await row.getByRole('button', { name: `Save price of ${mug.name}` }).click();
      await row.getByText('v2').waitFor();
      await screenshot(page, 'admin-products-desktop');
      await checkAccessibility(page, 'admin products');

      // A shopper sees the new price.
      const shopper = await newPage(PHONE);
      try {
        await shopper.page.goto(`/products/${mug.id}`);
        await shopper.page.getByText('$9.99').waitFor();
      } finally {
        await shopper.context.close();
      }

      // Back to the admin's page, in front and freshly loaded at version 2: a page that regains focus with
      // data older than its staleTime refetches it, and one that had fetched the rename below would save on
      // top of it, rightly, without a conflict.
      await page.bringToFront();
      await page.reload();
      await row.getByText('v2').waitFor();
      // Someone else changes the product meanwhile: the admin's next save (on version 2) is refused.
      await shop.expect(200, 'PATCH', `/api/v1/products/${mug.id}`, {
        token: admin.token,
        body: { version: 2, name: `${mug.name} (renamed)` },
      });
      await row.getByLabel(`Price of ${mug.name}`).fill('7.50');
      await row.getByRole('button', { name: `Save price of ${mug.name}` }).click();
      await page.getByText('Someone changed this product after you loaded it').waitFor();
      // The list then shows the newer version, and the explanation stays beside it.
      await row.getByText('v3').waitFor();
      assert.ok(
        await row.getByText('Someone changed this product after you loaded it').isVisible(),
        'the conflict explanation vanished when the row showed the newer version',
      );
      const now = await shop.expect(200, 'GET', `/api/v1/products/${mug.id}`);
      assert.deepEqual(now.body.price, { amount: 999, currency: 'USD' });

      await page.getByRole('link', { name: 'Orders', exact: true }).last().click();
      await page.getByRole('heading', { name: 'Orders (every shard)' }).waitFor();
      await page.getByLabel('Status').selectOption('CONFIRMED');
      await page.locator('td', { hasText: 'CONFIRMED' }).first().waitFor();
      await checkAccessibility(page, 'admin orders');
    } finally {
      await context.close();
    }
  });

  test('a customer cannot reach the admin area: the page says so and the API answers 403', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto('/');
      const account = await signUp(page, 'Mallory');
      await checkAccessibility(page, 'signed in home');
      await page.goto('/admin');
      await page.getByRole('heading', { name: 'Admins only' }).waitFor();
      assert.equal(await page.getByRole('heading', { name: 'Products' }).count(), 0);
      const customer = await shop.logIn(account.email, account.password);
      await shop.expect(403, 'GET', '/api/v1/admin/products?limit=5', { token: customer.token });
      await shop.expect(403, 'PATCH', `/api/v1/products/${products[0]!.id}`, {
        token: customer.token,
        body: { version: 1, name: 'mine now' },
      });
    } finally {
      await context.close();
    }
  });

  test('no key page has a serious or critical axe-core violation (WCAG 2.1 A/AA)', () => {
    // Filled by the tests above, page by page; one of them failing leaves its pages out of the list.
    assert.ok(Object.keys(accessibilityReport).length >= 8, Object.keys(accessibilityReport).join(', '));
    const problems = Object.entries(accessibilityReport).filter(([, found]) => found.length > 0);
    assert.deepEqual(problems, []);
  });
});
