import { createHmac } from 'node:crypto';
import { SANDBOX_SIGNATURE_HEADER } from '@shop/contracts';
import type { WebhookSender } from '../domain/ports.ts';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, exactly as Stripe signs its webhooks. */
export function signatureHeader(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

/** POSTs each webhook to `url`, signed at the moment of sending (so a redelivery carries a fresh timestamp). */
export function createWebhookSender(options: {
  url: string;
  secret: string;
  timeoutMs: number;
  now(): Date;
}): WebhookSender {
  return {
    async send(payload) {
      const timestamp = Math.floor(options.now().getTime() / 1000);
      try {
        const res = await fetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SANDBOX_SIGNATURE_HEADER]: signatureHeader(payload, options.secret, timestamp),
            'user-agent': 'payment-sandbox-webhooks/1',
          },
          body: payload,
          signal: AbortSignal.timeout(options.timeoutMs),
          redirect: 'manual',
        });
        await res.body?.cancel();
        return res.ok ? undefined : `the receiver answered ${res.status}`;
      } catch (error) {
        const cause =
          error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
        return `the delivery failed (${error instanceof Error ? error.message : String(error)}${cause})`;
      }
    },
  };
}
