import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { api, unwrap } from '../api/client.ts';
import type { Product } from '../api/types.ts';
import { useSession } from '../auth/session.tsx';
import { addGuestLine, readGuestCart, setGuestQuantity, subscribeGuestCart } from './guest-cart.ts';

export interface CartLineView {
  productId: string;
  name: string;
  quantity: number;
  unitPrice: { amount: number; currency: string } | null;
  lineTotal: { amount: number; currency: string } | null;
  issues: string[];
}

export interface CartView {
  lines: CartLineView[];
  itemCount: number;
  subtotals: { amount: number; currency: string }[];
  checkoutReady: boolean;
  signedIn: boolean;
  loading: boolean;
  error: Error | null;
}

export function useCart() {
  const { user } = useSession();
  const queryClient = useQueryClient();
  const guest = useSyncExternalStore(subscribeGuestCart, readGuestCart);
  const server = useQuery({
    queryKey: ['cart', user?.id],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/cart', { signal })),
    enabled: user !== undefined,
  });
  const setQuantity = useMutation({
    mutationFn: async ({ productId, quantity }: { productId: string; quantity: number }) => {
      if (user === undefined) return setGuestQuantity(productId, quantity);
      if (quantity < 1) {
        unwrap(await api.DELETE('/api/v1/cart/items/{productId}', { params: { path: { productId } } }));
      } else {
        unwrap(
          await api.PUT('/api/v1/cart/items/{productId}', {
            params: { path: { productId } },
            body: { quantity },
          }),
        );
      }
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['cart'] }),
  });
  const add = useMutation({
    mutationFn: async ({ product, quantity }: { product: Product; quantity: number }) => {
      if (user === undefined) {
        return addGuestLine({
          productId: product.id,
          quantity,
          name: product.name,
          unitPrice: product.price,
        });
      }
      const current = server.data?.lines.find((line) => line.productId === product.id)?.quantity ?? 0;
      unwrap(
        await api.PUT('/api/v1/cart/items/{productId}', {
          params: { path: { productId: product.id } },
          body: { quantity: Math.min(current + quantity, 99) },
        }),
      );
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['cart'] }),
  });

  let view: CartView;
  if (user === undefined) {
    const currency = guest[0]?.unitPrice.currency;
    view = {
      lines: guest.map((line) => ({
        productId: line.productId,
        name: line.name,
        quantity: line.quantity,
        unitPrice: line.unitPrice,
        lineTotal: { amount: line.unitPrice.amount * line.quantity, currency: line.unitPrice.currency },
        issues: [],
      })),
      itemCount: guest.reduce((sum, line) => sum + line.quantity, 0),
      subtotals:
        currency === undefined
          ? []
          : [{ amount: guest.reduce((sum, l) => sum + l.unitPrice.amount * l.quantity, 0), currency }],
      checkoutReady: false,
      signedIn: false,
      loading: false,
      error: null,
    };
  } else {
    const data = server.data;
    view = {
      lines: (data?.lines ?? []).map((line) => ({
        productId: line.productId,
        name: line.product?.name ?? 'A product no longer sold',
        quantity: line.quantity,
        unitPrice: line.product?.unitPrice ?? null,
        lineTotal: line.lineTotal,
        issues: line.issues.map((issue) => issue.message),
      })),
      itemCount: data?.itemCount ?? 0,
      subtotals: data?.subtotals ?? [],
      checkoutReady: data?.checkoutReady ?? false,
      signedIn: true,
      loading: server.isPending,
      error: server.error,
    };
  }
  return { cart: view, add, setQuantity };
}
