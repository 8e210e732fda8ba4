// The order service's rules for a shipping address (apps/order/src/routes/orders/orders.schemas.ts), checked
// before sending so the shopper sees which field to fix.

export interface AddressForm {
  name: string;
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  country: string;
}

export type AddressErrors = Partial<Record<keyof AddressForm, string>>;

export function validateAddress(form: AddressForm): AddressErrors {
  const errors: AddressErrors = {};
  if (form.name.trim() === '') errors.name = 'Enter who receives the parcel.';
  else if (form.name.length > 200) errors.name = 'Use at most 200 characters.';
  if (form.line1.trim() === '') errors.line1 = 'Enter the street and number.';
  if (form.city.trim() === '') errors.city = 'Enter the city.';
  if (!/^[A-Za-z0-9][A-Za-z0-9 -]{0,14}[A-Za-z0-9]$/.test(form.postalCode.trim())) {
    errors.postalCode = 'Use 2 to 16 letters, digits, spaces or dashes.';
  }
  if (!/^[A-Z]{2}$/.test(form.country.trim().toUpperCase())) {
    errors.country = 'Use the two-letter country code, e.g. US, GB, DE.';
  }
  return errors;
}

/** The address as the API takes it (trimmed; an empty second line left out). */
export function toShippingAddress(form: AddressForm) {
  return {
    name: form.name.trim(),
    line1: form.line1.trim(),
    ...(form.line2.trim() !== '' ? { line2: form.line2.trim() } : {}),
    city: form.city.trim(),
    postalCode: form.postalCode.trim(),
    country: form.country.trim().toUpperCase(),
  };
}
