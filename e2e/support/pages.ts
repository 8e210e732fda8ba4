import type { Page } from 'playwright-core';

// Steps of the storefront as a shopper takes them, by roles and labels, for every browser test.

/** The checkout form's shipping address, filled with a valid one. */
export async function fillAddress(page: Page): Promise<void> {
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel('Street and number').fill('12 Analytical Row');
  await page.getByLabel('City').fill('London');
  await page.getByLabel('Postal code').fill('N1 9GU');
  await page.getByLabel(/Country code/).fill('GB');
}

/** From any page to the checkout, through the cart. */
export async function goToCheckout(page: Page): Promise<void> {
  await page.getByRole('link', { name: /^Cart/ }).click();
  await page.getByRole('link', { name: 'Check out' }).click();
  await page.getByRole('heading', { name: 'Checkout' }).waitFor();
}

/** Waits until the order page shows `status` (it follows the order live). */
export const orderStatus = (page: Page, status: string) =>
  page.locator(`[data-status="${status}"]`).waitFor({ timeout: 45_000 });
