import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { discoverServices } from '../dev/services.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const workspaces: string[] = [];

// A workspace with apps/<name>/package.json per entry; `undefined` makes an app without a manifest.
async function workspace(apps: Record<string, object | undefined>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'dev-services-'));
  workspaces.push(root);
  for (const [name, manifest] of Object.entries(apps)) {
    await mkdir(join(root, 'apps', name), { recursive: true });
    if (manifest !== undefined) {
      await writeFile(
        join(root, 'apps', name, 'package.json'),
        JSON.stringify({ name: `@shop/${name}`, ...manifest }),
      );
    }
  }
  return root;
}

describe('discoverServices', () => {
  after(() => Promise.all(workspaces.map((root) => rm(root, { recursive: true, force: true }))));

  it('when apps have a shop block, then each is a service, in start order, with its settings', async () => {
    const root = await workspace({
      gateway: { shop: { port: 8080, startAfter: ['order', 'auth'] } },
      order: { shop: { port: 3003, database: { variable: 'ORDER_DATABASE_URL', name: 'shop_order' } } },
      auth: { shop: { port: 3001, seedWhenEmpty: true, env: { FEATURE: 'on' } } },
      web: { scripts: { start: 'vite' } },
      empty: undefined,
    });

    const services = await discoverServices(root);

    assert.deepEqual(services, [
      { name: 'auth', port: 3001, seedWhenEmpty: true, env: { FEATURE: 'on' } },
      { name: 'order', port: 3003, database: { variable: 'ORDER_DATABASE_URL', name: 'shop_order' } },
      { name: 'gateway', port: 8080, startAfter: ['order', 'auth'] },
    ]);
  });

  it('when a shop block is malformed, then discovery names the file and the field', async () => {
    const root = await workspace({ auth: { shop: { port: 'three thousand' } } });
    await assert.rejects(discoverServices(root), (error: Error) => {
      assert.match(error.message, /apps\/auth\/package\.json: the "shop" block is invalid: \/port/);
      return true;
    });
  });

  it('when two services claim one port, then discovery says which', async () => {
    const root = await workspace({ auth: { shop: { port: 3001 } }, order: { shop: { port: 3001 } } });
    await assert.rejects(discoverServices(root), /apps\/auth and apps\/order both use port 3001/);
  });

  it('when startAfter names no service or forms a cycle, then discovery refuses', async () => {
    const unknown = await workspace({ order: { shop: { port: 3003, startAfter: ['payment'] } } });
    await assert.rejects(discoverServices(unknown), /names payment, which is no service/);
    const cycle = await workspace({
      order: { shop: { port: 3003, startAfter: ['payment'] } },
      payment: { shop: { port: 3004, startAfter: ['order'] } },
    });
    await assert.rejects(discoverServices(cycle), /forms a cycle/);
  });

  it('when npm start reads this workspace, then it finds auth, product, order, the payment sandbox, payment and the gateway in start order on their default ports', async () => {
    const services = await discoverServices(ROOT);
    assert.deepEqual(
      services.map(({ name, port, seedWhenEmpty }) => ({ name, port, seedWhenEmpty })),
      [
        { name: 'auth', port: 3001, seedWhenEmpty: undefined },
        { name: 'product', port: 3002, seedWhenEmpty: true },
        { name: 'order', port: 3003, seedWhenEmpty: undefined },
        { name: 'payment-sandbox', port: 3005, seedWhenEmpty: undefined },
        { name: 'payment', port: 3004, seedWhenEmpty: undefined },
        { name: 'gateway', port: 8080, seedWhenEmpty: undefined },
      ],
    );
  });
});
