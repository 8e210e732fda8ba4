import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, newIdempotencyKey, unwrap } from '../api/client.ts';
import { useCart } from '../cart/use-cart.ts';
import { Empty, ErrorNote, Loading, Price } from '../components.tsx';
import { toShippingAddress, validateAddress, type AddressErrors, type AddressForm } from '../lib/address.ts';
import { CardChoice } from './CardChoice.tsx';
import { payOrder } from './pay.ts';

const FIELDS: { key: keyof AddressForm; label: string; autoComplete: string; optional?: boolean }[] = [
  { key: 'name', label: 'Full name', autoComplete: 'name' },
  { key: 'line1', label: 'Street and number', autoComplete: 'address-line1' },
  { key: 'line2', label: 'Apartment, floor (optional)', autoComplete: 'address-line2', optional: true },
  { key: 'city', label: 'City', autoComplete: 'address-level2' },
  { key: 'postalCode', label: 'Postal code', autoComplete: 'postal-code' },
  { key: 'country', label: 'Country code (e.g. US)', autoComplete: 'country' },
];

export function Checkout() {
  const { cart } = useCart();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<AddressForm>({
    name: '',
    line1: '',
    line2: '',
    city: '',
    postalCode: '',
    country: 'US',
  });
  const [errors, setErrors] = useState<AddressErrors>({});
  const [card, setCard] = useState('pm_card_visa');
  // One key per attempt: a double click or a retry after a lost answer sends the same key, so the order
  // service makes one order and the payment service one charge. A new attempt (after an error the shopper
  // fixes) gets new keys.
  const attempt = useRef({ orderKey: newIdempotencyKey(), paymentKey: newIdempotencyKey() });
  const placed = useRef<string | undefined>(undefined);

  const placeOrder = useMutation({
    mutationFn: async () => {
      const keys = attempt.current;
      if (placed.current === undefined) {
        const order = unwrap(
          await api.POST('/api/v1/orders', {
            params: { header: { 'idempotency-key': keys.orderKey } },
            body: { shippingAddress: toShippingAddress(form) },
          }),
        );
        placed.current = order.id;
      }
      const orderId = placed.current;
      await payOrder(orderId, card, keys.paymentKey);
      return orderId;
    },
    onSuccess: (orderId) => {
      void queryClient.invalidateQueries({ queryKey: ['cart'] });
      navigate(`/orders/${orderId}`);
    },
    onError: () => {
      // The next click is a new attempt at whatever step failed.
      attempt.current = { ...attempt.current, paymentKey: newIdempotencyKey() };
      if (placed.current === undefined) attempt.current.orderKey = newIdempotencyKey();
    },
  });

  if (cart.loading) return <Loading what="your cart" />;
  if (cart.lines.length === 0 && !placeOrder.isPending && !placeOrder.isSuccess) {
    return (
      <Empty>
        <h1>Nothing to check out</h1>
        <p>
          Your cart is empty: <Link to="/">browse the catalog</Link>.
        </p>
      </Empty>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (placeOrder.isPending) return;
    const found = validateAddress(form);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    placeOrder.mutate();
  };

  return (
    <form className="checkout" onSubmit={submit} noValidate>
      <h1>Checkout</h1>
      <fieldset>
        <legend>Shipping address</legend>
        {FIELDS.map((field) => (
          <div key={field.key} className="field">
            <label htmlFor={`address-${field.key}`}>{field.label}</label>
            <input
              id={`address-${field.key}`}
              autoComplete={field.autoComplete}
              value={form[field.key]}
              required={!field.optional}
              aria-invalid={errors[field.key] !== undefined}
              aria-describedby={errors[field.key] ? `address-${field.key}-error` : undefined}
              onChange={(event) => setForm({ ...form, [field.key]: event.target.value })}
            />
            {errors[field.key] && (
              <p className="field-error" id={`address-${field.key}-error`}>
                {errors[field.key]}
              </p>
            )}
          </div>
        ))}
      </fieldset>
      <CardChoice value={card} onChange={setCard} />
      <p className="subtotal">
        To pay:{' '}
        {cart.subtotals.map((money) => (
          <Price key={money.currency} money={money} />
        ))}
      </p>
      {placeOrder.error && <ErrorNote error={placeOrder.error} retry={() => placeOrder.reset()} />}
      <button
        type="submit"
        className="primary"
        disabled={placeOrder.isPending}
        aria-busy={placeOrder.isPending}
      >
        {placeOrder.isPending ? 'Placing your order…' : 'Place order'}
      </button>
    </form>
  );
}
