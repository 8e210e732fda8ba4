/** The payment sandbox's test cards (apps/payment-sandbox/README.md): no real card is ever charged. */
export const TEST_CARDS = [
  { token: 'pm_card_visa', label: 'Visa test card', outcome: 'succeeds' },
  { token: 'pm_card_declined', label: 'Declined card', outcome: 'is declined (card_declined)' },
  {
    token: 'pm_card_insufficient_funds',
    label: 'Empty account',
    outcome: 'is declined (insufficient_funds)',
  },
  { token: 'pm_card_processing', label: 'Slow bank', outcome: 'settles after about 2 seconds' },
] as const;

export type TestCardToken = (typeof TEST_CARDS)[number]['token'];

const REASONS: Record<string, string> = {
  card_declined: 'Your card was declined.',
  insufficient_funds: 'The card has insufficient funds.',
  provider_unavailable: 'The card processor could not be reached.',
};

/** Words for a payment failure reason as the order carries it. */
export function declineMessage(reason: string | null): string {
  if (reason === null) return 'The payment did not go through.';
  const known = Object.entries(REASONS).find(([code]) => reason.includes(code));
  return known !== undefined ? known[1] : `The payment did not go through (${reason}).`;
}
