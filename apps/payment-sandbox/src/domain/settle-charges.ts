import type { SandboxDeps } from './ports.ts';
import { recordEvent } from './webhook-events.ts';

const BATCH = 100;

/**
 * Settles the processing charges that are due (to succeeded, as a real processor's asynchronous capture
 * would), each with its charge.succeeded event in the same transaction; resolves to how many.
 */
export function settleDueCharges(deps: SandboxDeps): Promise<number> {
  return deps.transaction(async (store) => {
    const now = deps.now();
    const settled = await store.charges.settleDue(now, BATCH);
    for (const charge of settled) await recordEvent(store, deps, 'charge.succeeded', charge, now);
    return settled.length;
  });
}
