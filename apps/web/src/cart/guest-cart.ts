import { addToGuestCart, parseGuestCart, type GuestLine } from '../lib/cart-merge.ts';

const KEY = 'shop.guestCart';
const listeners = new Set<() => void>();
let snapshot: GuestLine[] | undefined;

export function readGuestCart(): GuestLine[] {
  snapshot ??= parseGuestCart(localStorage.getItem(KEY));
  return snapshot;
}

function write(lines: GuestLine[]): void {
  snapshot = lines;
  if (lines.length === 0) localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, JSON.stringify(lines));
  listeners.forEach((listener) => listener());
}

export const addGuestLine = (line: GuestLine) => write(addToGuestCart(readGuestCart(), line));
export const setGuestQuantity = (productId: string, quantity: number) =>
  write(
    quantity < 1
      ? readGuestCart().filter((line) => line.productId !== productId)
      : readGuestCart().map((line) => (line.productId === productId ? { ...line, quantity } : line)),
  );
export const clearGuestCart = () => write([]);

export function subscribeGuestCart(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (event: StorageEvent) => {
    if (event.key === KEY) {
      snapshot = undefined;
      listener();
    }
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}
