import { parseArgs } from 'node:util';
import { createPrismaClient } from '@shop/database';
import { providerFrom } from './app.ts';
import { loadPaymentConfig } from './config.ts';
import { createPaymentReader } from './data-access/payment.repository.ts';
import { reconcile } from './domain/reconcile.ts';
import { PrismaClient } from './generated/prisma/client.ts';

// npm run payments:reconcile [-- --hours 24 | --from <ISO> --to <ISO>]: compares the provider's charges with
// the Payment DB over the window, prints progress to stderr and every difference to stdout (one JSON line
// each), and exits 1 when it found any, so a scheduler can alert on it. Same settings as the service.

const USAGE =
  'Usage: npm run payments:reconcile [-- --hours <1-720>] or [-- --from <ISO time> --to <ISO time>]; the default is the last 24 hours.';

function windowOf(args: { hours?: string; from?: string; to?: string }): { from: Date; to: Date } {
  if (args.from !== undefined || args.to !== undefined) {
    const from = new Date(args.from ?? '');
    const to = new Date(args.to ?? '');
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to)
      throw new Error(`--from and --to must both be ISO times, from before to. ${USAGE}`);
    return { from, to };
  }
  const hours = Number(args.hours ?? '24');
  if (!Number.isInteger(hours) || hours < 1 || hours > 720)
    throw new Error(`--hours must be 1 to 720. ${USAGE}`);
  const to = new Date();
  return { from: new Date(to.getTime() - hours * 3_600_000), to };
}

const log = (message: string) => process.stderr.write(`[payments:reconcile] ${message}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { hours: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
  });
  const range = windowOf(values);
  const config = loadPaymentConfig();
  const prisma = createPrismaClient(PrismaClient, { databaseUrl: config.PAYMENT_DATABASE_URL, poolSize: 2 });
  const provider = providerFrom(config);
  try {
    log(
      `comparing ${provider.name}'s charges with our payments from ${range.from.toISOString()} to ${range.to.toISOString()}`,
    );
    const report = await reconcile(
      { payments: createPaymentReader(prisma), provider },
      { ...range, progress: log },
    );
    for (const difference of report.differences) process.stdout.write(`${JSON.stringify(difference)}\n`);
    log(
      `${report.charges} charges, ${report.payments} payments, ${report.differences.length} differences` +
        (report.differences.length > 0
          ? ': each is printed above; settle them with the provider dashboard or a refund'
          : ''),
    );
    return report.differences.length > 0 ? 1 : 0;
  } finally {
    await provider.close();
    await prisma.$disconnect();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  },
);
