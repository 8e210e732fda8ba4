import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { migrate } from '@shop/database';
import { createTestDatabase, startAppProcess, type AppProcess } from '@shop/testing';

// By path, not by import: an app never imports another app, tests included.
const SANDBOX_MIGRATIONS = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'payment-sandbox',
  'prisma',
  'migrations',
);

export const SANDBOX_TEST_API_KEY = 'sk_test_payment_adapter_tests_0123456789';
export const SANDBOX_TEST_WEBHOOK_SECRET = 'whsec_payment_adapter_tests_0123456789';

export interface SandboxProcess {
  url: string;
  process: AppProcess;
  close(): Promise<void>;
}

/** The real sandbox (apps/payment-sandbox) as its own process on a fresh database; `env` adds its settings. */
export async function startSandboxProcess(env: Record<string, string> = {}): Promise<SandboxProcess> {
  const db = await createTestDatabase('payment-sandbox');
  let app: AppProcess;
  try {
    await migrate({ databaseUrl: db.url, migrationsDir: SANDBOX_MIGRATIONS });
    app = await startAppProcess({
      app: 'payment-sandbox',
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        PAYMENT_SANDBOX_DATABASE_URL: db.url,
        SANDBOX_API_KEY: SANDBOX_TEST_API_KEY,
        SANDBOX_WEBHOOK_SECRET: SANDBOX_TEST_WEBHOOK_SECRET,
        SANDBOX_WORKER_INTERVAL_MS: '50',
        ...env,
      },
    });
  } catch (error) {
    await db.drop();
    throw error;
  }
  return {
    url: app.url,
    process: app,
    async close() {
      await app.dispose();
      await db.drop();
    },
  };
}

/** A webhook endpoint that keeps each delivery's raw body and signature header, answering `status`. */
export async function startWebhookEndpoint(status: () => number = () => 200) {
  const received: { rawBody: string; signatureHeader: string | undefined }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const header = req.headers['sandbox-signature'];
      received.push({
        rawBody: Buffer.concat(chunks).toString('utf8'),
        signatureHeader: typeof header === 'string' ? header : undefined,
      });
      res.statusCode = status();
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
