import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { SandboxPaymentProvider, signSandboxPayload } from '../../src/data-access/sandbox.provider.ts';
import { ProviderWebhookRejectedError } from '../../src/domain/provider.ts';

const SECRET = 'whsec_verify_webhook_tests_0123456789';
const provider = new SandboxPaymentProvider({
  baseUrl: 'http://127.0.0.1:9',
  apiKey: 'sk_test_unused_in_these_tests_0123456789',
  webhookSecret: SECRET,
});
const NOW = new Date('2026-03-01T12:00:00Z');
const T = Math.floor(NOW.getTime() / 1000);
const body = JSON.stringify({
  id: 'evt_0123456789abcdef01234567',
  type: 'charge.succeeded',
  created: T,
  data: {
    object: {
      id: 'ch_0123456789abcdef01234567',
      status: 'succeeded',
      amount: 1500,
      currency: 'EUR',
      amountRefunded: 0,
      paymentMethod: 'pm_card_visa',
      reference: 'pay_1',
      createdAt: NOW.toISOString(),
    },
  },
});
const v1 = (payload: string, t: number, secret = SECRET) =>
  createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex');
const rejected = (header: string | undefined, raw = body, now = NOW) =>
  assert.throws(() => provider.verifyWebhook(raw, header, now), ProviderWebhookRejectedError, String(header));

test('when the signature is valid, then the event is accepted and read', () => {
  const event = provider.verifyWebhook(body, `t=${T},v1=${v1(body, T)}`, NOW);
  assert.deepEqual(
    [event.id, event.type, event.createdAt.toISOString(), event.charge.id, event.charge.amount],
    [
      'evt_0123456789abcdef01234567',
      'charge.succeeded',
      NOW.toISOString(),
      'ch_0123456789abcdef01234567',
      1500,
    ],
  );
  assert.equal(signSandboxPayload(body, SECRET, T), `t=${T},v1=${v1(body, T)}`);
});

test('when several v1 signatures come (a secret being rotated), then one valid among them is enough', () => {
  const header = `t=${T},v1=${v1(body, T, 'whsec_old_secret_0000000000000000')},v1=${v1(body, T)},v0=abc`;
  assert.equal(provider.verifyWebhook(body, header, NOW).type, 'charge.succeeded');
});

test('when the header is missing, then the webhook is refused', () => {
  rejected(undefined);
  rejected('');
});

test('when the signature is forged or the body altered, then the webhook is refused', () => {
  rejected(`t=${T},v1=${v1(body, T, 'whsec_attacker_guess_000000000000000')}`);
  rejected(`t=${T},v1=${'0'.repeat(64)}`);
  rejected(`t=${T},v1=${v1(body, T)}`, body.replace('1500', '15000'));
  rejected(`t=${T + 1},v1=${v1(body, T)}`, body, new Date(NOW.getTime() + 1_000));
});

test('when the timestamp is outside the 300 s tolerance, then the webhook is refused as stale (or from the future)', () => {
  const old = T - 301;
  rejected(`t=${old},v1=${v1(body, old)}`);
  const ahead = T + 301;
  rejected(`t=${ahead},v1=${v1(body, ahead)}`);
  const edge = T - 300;
  assert.equal(provider.verifyWebhook(body, `t=${edge},v1=${v1(body, edge)}`, NOW).type, 'charge.succeeded');
});

test('when the header is malformed, then the webhook is refused', () => {
  for (const header of [
    'garbage',
    `v1=${v1(body, T)}`,
    `t=${T}`,
    `t=abc,v1=${v1(body, T)}`,
    `t=${T},t=${T},v1=${v1(body, T)}`,
    `t=${T},v1=${v1(body, T).toUpperCase()}`,
    `t=${T},v1=${v1(body, T).slice(2)}`,
    `t=${T},=x,v1=${v1(body, T)}`,
    `t=-${T},v1=${v1(body, T)}`,
  ]) {
    rejected(header);
  }
});

test('when a validly signed body is no sandbox event, then the webhook is refused', () => {
  for (const raw of ['not json', '{"id":"evt_1","type":"charge.exploded"}', '[]']) {
    rejected(`t=${T},v1=${v1(raw, T)}`, raw);
  }
});
