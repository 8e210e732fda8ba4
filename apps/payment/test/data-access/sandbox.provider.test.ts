import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eventually, findFreePort } from '@shop/testing';
import { SandboxPaymentProvider } from '../../src/data-access/sandbox.provider.ts';
import {
  ProviderOutcomeUnknownError,
  ProviderUnavailableError,
  ProviderWebhookRejectedError,
  type ChargeRequest,
} from '../../src/domain/provider.ts';
import {
  SANDBOX_TEST_API_KEY,
  SANDBOX_TEST_WEBHOOK_SECRET,
  startSandboxProcess,
  startWebhookEndpoint,
  type SandboxProcess,
} from '../support/sandbox-process.ts';
import { providerContract } from './provider.contract.ts';

const adapterFor = (
  url: string,
  options: Partial<ConstructorParameters<typeof SandboxPaymentProvider>[0]> = {},
) =>
  new SandboxPaymentProvider({
    baseUrl: url,
    apiKey: SANDBOX_TEST_API_KEY,
    webhookSecret: SANDBOX_TEST_WEBHOOK_SECRET,
    timeoutMs: 1_500,
    ...options,
  });

const visa = (overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({
  idempotencyKey: `pay_${randomUUID()}`,
  reference: `pay_${randomUUID()}`,
  amount: 1_500,
  currency: 'EUR',
  paymentMethod: 'pm_card_visa',
  ...overrides,
});

// pm_card_timeout answers after 4 s, well past the adapter's 1.5 s timeout.
providerContract('sandbox (HTTP adapter, real sandbox process)', async () => {
  const sandbox = await startSandboxProcess({
    SANDBOX_TIMEOUT_DELAY_MS: '4000',
    SANDBOX_PROCESSING_DELAY_MS: '300',
  });
  const provider = adapterFor(sandbox.url);
  return {
    provider,
    async close() {
      await provider.close();
      await sandbox.close();
    },
  };
});

describe('the sandbox adapter against a real sandbox that sends webhooks', () => {
  let sandbox: SandboxProcess;
  let endpoint: Awaited<ReturnType<typeof startWebhookEndpoint>>;
  let provider: SandboxPaymentProvider;
  before(async () => {
    let calls = 0;
    // The first delivery is answered 500: the sandbox must deliver it again.
    endpoint = await startWebhookEndpoint(() => (++calls === 1 ? 500 : 200));
    sandbox = await startSandboxProcess({
      SANDBOX_WEBHOOK_URL: endpoint.url,
      SANDBOX_WEBHOOK_RETRY_BASE_MS: '100',
      SANDBOX_PROCESSING_DELAY_MS: '200',
    });
    provider = adapterFor(sandbox.url);
  });
  after(async () => {
    await provider.close();
    await sandbox.close();
    await endpoint.close();
  });

  test('when the sandbox delivers a webhook, then the adapter verifies its signature and reads the charge', async () => {
    const charge = await provider.charge(visa({ paymentMethod: 'pm_card_processing' }));
    await eventually('two deliveries (one refused with 500)', () => endpoint.received.length >= 2, {
      timeoutMs: 20_000,
    });
    const [refused, redelivered] = endpoint.received;
    assert.equal(refused!.rawBody, redelivered!.rawBody, 'the same event redelivered');
    const event = provider.verifyWebhook(redelivered!.rawBody, redelivered!.signatureHeader);
    assert.match(event.id, /^evt_/);
    assert.equal(event.type, 'charge.succeeded');
    assert.deepEqual(event.charge, { ...charge, status: 'succeeded' });
    const other = adapterFor(sandbox.url, { webhookSecret: 'whsec_not_the_sandbox_secret_01234' });
    assert.throws(
      () => other.verifyWebhook(redelivered!.rawBody, redelivered!.signatureHeader),
      ProviderWebhookRejectedError,
    );
    await other.close();
    assert.throws(
      () =>
        provider.verifyWebhook(
          redelivered!.rawBody.replace('succeeded', 'failed'),
          redelivered!.signatureHeader,
        ),
      ProviderWebhookRejectedError,
    );
  });
});

describe('the sandbox adapter when the sandbox fails', () => {
  let failing: SandboxProcess;
  let slow: SandboxProcess;
  before(async () => {
    [failing, slow] = await Promise.all([
      startSandboxProcess({ SANDBOX_FAILURE_RATE: '1' }),
      startSandboxProcess({ SANDBOX_LATENCY_MS: '1500' }),
    ]);
  });
  after(async () => {
    await Promise.all([failing.close(), slow.close()]);
  });

  test('when the sandbox answers 503 before any work, then unavailable; once the breaker opens, unavailable at once with its wait', async () => {
    const provider = adapterFor(failing.url, {
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 30_000 },
    });
    try {
      for (let i = 0; i < 2; i++) {
        await assert.rejects(provider.charge(visa()), (error: unknown) => {
          assert.ok(error instanceof ProviderUnavailableError, String(error));
          assert.equal(error.retryAfterSeconds, 1);
          return true;
        });
      }
      assert.equal(provider.breakerState, 'Open');
      await assert.rejects(provider.charge(visa()), (error: unknown) => {
        assert.ok(error instanceof ProviderUnavailableError, String(error));
        assert.equal(error.retryAfterSeconds, 30);
        return true;
      });
    } finally {
      await provider.close();
    }
  });

  test('when nothing listens at the sandbox address, then a charge is unavailable, not outcome-unknown', async () => {
    const provider = adapterFor(`http://127.0.0.1:${await findFreePort()}`);
    try {
      await assert.rejects(provider.charge(visa()), ProviderUnavailableError);
      await assert.rejects(provider.getCharge('ch_000000000000000000000000'), ProviderUnavailableError);
    } finally {
      await provider.close();
    }
  });

  test('when the answer comes after the timeout, then a charge is outcome-unknown (it was made) and a read unavailable', async () => {
    const impatient = adapterFor(slow.url, { timeoutMs: 300 });
    const patient = adapterFor(slow.url, { timeoutMs: 10_000 });
    try {
      const asked = visa();
      await assert.rejects(impatient.charge(asked), ProviderOutcomeUnknownError);
      await assert.rejects(impatient.getCharge('ch_000000000000000000000000'), ProviderUnavailableError);
      const found = await patient.charge(asked);
      assert.equal(found.status, 'succeeded');
      assert.equal(found.reference, asked.reference);
    } finally {
      await impatient.close();
      await patient.close();
    }
  });
});
