import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { runIsolated } from '@shop/testing';
import type { NpmStartReport } from '../support/npm-start-shopper.ts';

// `npm start` as a developer meets it on a fresh clone, and a shopper buying on the page it prints, in
// Chromium: e2e/support/npm-start-shopper.ts, in a network namespace of its own (npm start's ports are
// fixed, and the namespace keeps them from every other test and from a shop already running here).

let report: NpmStartReport;
before(
  async () => {
    report = await runIsolated<NpmStartReport>(
      path.join(import.meta.dirname, '..', 'support', 'npm-start-shopper.ts'),
      [],
      'npm start and a shopper on its storefront',
      8 * 60_000,
    );
  },
  { timeout: 9 * 60_000 },
);

describe('npm start, then a purchase on http://localhost:3000', () => {
  test('a shopper adds a seeded product, signs in as the demo customer, pays with the Visa test card and sees CONFIRMED', () => {
    assert.equal(report.pageStatus, 'CONFIRMED');
    assert.match(report.orderId, /^[0-9a-f-]{36}$/);
  });

  test('the order the page confirmed is CONFIRMED through the gateway too', () => {
    assert.equal(report.apiStatus, 'CONFIRMED');
  });

  test('npm start then stops cleanly on SIGTERM: every service, then its database', () => {
    assert.equal(report.stopExitCode, 0);
    assert.ok(report.stoppedCleanly, 'npm start never printed "[start] stopped"');
    // The exits npm start asked for are not reported as a process that failed.
    assert.deepEqual(report.unexpectedExits, []);
  });
});
