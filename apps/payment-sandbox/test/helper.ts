import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DEV_SANDBOX_API_KEY } from '@shop/contracts';
import { migrate } from '@shop/database';
import type { Service } from '@shop/platform';
import { startServiceUnderTest, type ServiceUnderTest } from '@shop/testing';
import { createPaymentSandboxService } from '../src/app.ts';
import { loadPaymentSandboxConfig } from '../src/config.ts';

export const appDir = path.resolve(import.meta.dirname, '..');

export const TEST_API_KEY = 'sk_test_payment_sandbox_tests_0123456789';
export const TEST_WEBHOOK_SECRET = 'whsec_payment_sandbox_tests_0123456789';
export const asAccount = { authorization: `Bearer ${TEST_API_KEY}` };
export { DEV_SANDBOX_API_KEY };

/** The sandbox on a fresh, migrated database of its own, with the test API key; `env` adds settings. */
export function startPaymentSandbox(env: Record<string, string> = {}): Promise<ServiceUnderTest<Service>> {
  return startServiceUnderTest(
    {
      database: 'payment-sandbox',
      migrate: (databaseUrl) =>
        migrate({ databaseUrl, migrationsDir: path.join(appDir, 'prisma', 'migrations') }),
      start: (databaseUrl, overrides) =>
        createPaymentSandboxService(
          loadPaymentSandboxConfig({
            NODE_ENV: 'test',
            LOG_LEVEL: 'silent',
            PAYMENT_SANDBOX_DATABASE_URL: databaseUrl,
            SANDBOX_API_KEY: TEST_API_KEY,
            SANDBOX_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
            SANDBOX_WORKER_INTERVAL_MS: '25',
            ...overrides,
          }),
        ),
    },
    env,
  );
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook endpoint on a free port that records every delivery and answers `status()` (200 by default). */
export async function startWebhookReceiver(status: (attempt: number) => number = () => 200) {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = status(received.length);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/sandbox`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Recomputes a delivery's signature as Stripe documents the scheme, independently of the sandbox's code. */
export function signatureHolds(webhook: ReceivedWebhook, secret = TEST_WEBHOOK_SECRET): boolean {
  const header = String(webhook.headers['sandbox-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (match === null) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${webhook.body}`).digest('hex');
  return expected === match[2];
}

let sequence = 0;
export const newKey = () => `test-key-${Date.now()}-${++sequence}`;

export const visaCharge = (overrides: Record<string, unknown> = {}) => ({
  amount: 2_500,
  currency: 'EUR',
  paymentMethod: 'pm_card_visa',
  reference: `pay_${++sequence}`,
  ...overrides,
});
