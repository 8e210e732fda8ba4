import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { NavLink, Route, Routes } from 'react-router';
import { api, ApiError, unwrap } from '../api/client.ts';
import type { OrderStatus } from '../api/types.ts';
import { useSession } from '../auth/session.tsx';
import { Columns, ErrorNote, Price, QueryStates } from '../components.tsx';
import { parsePriceInput, priceInputText } from '../lib/price-input.ts';

type AdminProduct = Awaited<ReturnType<typeof listProducts>>['items'][number];

async function listProducts(cursor: string | undefined, signal: AbortSignal) {
  return unwrap(
    await api.GET('/api/v1/admin/products', {
      params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } },
      signal,
    }),
  );
}

/** Words for an admin's failed change; a version conflict says what happened and what to do. */
function explain(error: Error): Error {
  if (error instanceof ApiError && error.code === 'PRODUCT_ERR_VERSION_CONFLICT') {
    return new Error(
      'Someone changed this product after you loaded it, so your change was not saved. The list now shows ' +
        'the latest version: check it and make your change again.',
    );
  }
  return error;
}

/**
 * One product's row. Keyed by version, so after a change (or a conflict) it starts again from what the
 * server has; what went wrong is therefore the list's to keep (`problem`), or a conflict's explanation would
 * vanish with the row it was shown in as soon as the refetch brought the newer version.
 */
function ProductRow({
  product,
  problem,
  setProblem,
}: {
  product: AdminProduct;
  problem: Error | undefined;
  setProblem: (problem: Error | undefined) => void;
}) {
  const queryClient = useQueryClient();
  const [price, setPrice] = useState(priceInputText(product.price.amount, product.price.currency));
  const [delta, setDelta] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['admin', 'products'] });
  const change = useMutation({
    mutationFn: async (body: { price?: { amount: number; currency: string }; active?: boolean }) =>
      unwrap(
        await api.PATCH('/api/v1/products/{id}', {
          params: { path: { id: product.id } },
          body: { version: product.version, ...body },
        }),
      ),
    onSuccess: () => setProblem(undefined),
    onError: (error) => setProblem(explain(error)),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE('/api/v1/products/{id}', { params: { path: { id: product.id } } })),
    onError: (error) => setProblem(explain(error)),
    onSettled: refresh,
  });
  const adjust = useMutation({
    mutationFn: async (units: number) =>
      unwrap(
        await api.POST('/api/v1/products/{id}/stock-adjustments', {
          params: { path: { id: product.id } },
          body: { delta: units },
        }),
      ),
    onSuccess: () => {
      setDelta('');
      setProblem(undefined);
    },
    onError: (error) => setProblem(explain(error)),
    onSettled: refresh,
  });
  const savePrice = (event: FormEvent) => {
    event.preventDefault();
    const amount = parsePriceInput(price, product.price.currency);
    if (amount === undefined) {
      setProblem(new Error(`Enter a price like 12.50 (${product.price.currency}).`));
      return;
    }
    change.mutate({ price: { amount, currency: product.price.currency } });
  };
  const saveStock = (event: FormEvent) => {
    event.preventDefault();
    const units = Number(delta);
    if (!Number.isInteger(units) || units === 0) {
      setProblem(new Error('Enter whole units to add (e.g. 10) or remove (e.g. -3), not 0.'));
      return;
    }
    adjust.mutate(units);
  };
  const deleted = product.deletedAt !== null;
  return (
    <tr data-product={product.id}>
      <td>
        <strong>{product.name}</strong>
        <br />
        <code>{product.sku}</code> · {product.category} · v{product.version}
        {deleted ? ' · deleted' : product.active ? '' : ' · hidden'}
        {problem && (
          <p className="issue" role="alert">
            {problem.message}
          </p>
        )}
      </td>
      <td>
        <form onSubmit={savePrice} className="inline">
          <label htmlFor={`price-${product.id}`} className="visually-hidden">
            Price of {product.name}
          </label>
          <input
            id={`price-${product.id}`}
            inputMode="decimal"
            size={8}
            value={price}
            onChange={(event) => setPrice(event.target.value)}
            disabled={deleted}
          />
          <button type="submit" disabled={deleted || change.isPending}>
            Save price <span className="visually-hidden">of {product.name}</span>
          </button>
        </form>
      </td>
      <td>
        <form onSubmit={saveStock} className="inline">
          <label htmlFor={`stock-${product.id}`} className="visually-hidden">
            Units to add to {product.name}
          </label>
          <input
            id={`stock-${product.id}`}
            inputMode="numeric"
            size={5}
            placeholder="+/- units"
            value={delta}
            onChange={(event) => setDelta(event.target.value)}
            disabled={deleted}
          />
          <button type="submit" disabled={deleted || adjust.isPending}>
            Adjust stock <span className="visually-hidden">of {product.name}</span>
          </button>
        </form>
        {product.inStock ? 'in stock' : 'sold out'}
      </td>
      <td>
        {!deleted && (
          <>
            <button type="button" onClick={() => change.mutate({ active: !product.active })}>
              {product.active ? 'Hide' : 'Show'} <span className="visually-hidden">{product.name}</span>
            </button>{' '}
            <button
              type="button"
              onClick={() => {
                if (window.confirm(`Delete ${product.name}? Shoppers will no longer see it.`))
                  remove.mutate();
              }}
            >
              Delete <span className="visually-hidden">{product.name}</span>
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

function NewProduct() {
  const queryClient = useQueryClient();
  const [error, setError] = useState<Error | undefined>();
  const create = useMutation({
    mutationFn: async (body: {
      sku: string;
      name: string;
      category: string;
      price: { amount: number; currency: string };
      stock: number;
    }) => unwrap(await api.POST('/api/v1/products', { body })),
    onSuccess: () => {
      setError(undefined);
      void queryClient.invalidateQueries({ queryKey: ['admin', 'products'] });
    },
    onError: setError,
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const amount = parsePriceInput(String(data.get('price')), 'USD');
    const stock = Number(data.get('stock') || 0);
    if (amount === undefined) return setError(new Error('Enter a price like 12.50.'));
    if (!Number.isInteger(stock) || stock < 0)
      return setError(new Error('Enter stock as whole units, 0 or more.'));
    create.mutate(
      {
        sku: String(data.get('sku')).trim().toUpperCase(),
        name: String(data.get('name')).trim(),
        category: String(data.get('category')).trim(),
        price: { amount, currency: 'USD' },
        stock,
      },
      { onSuccess: () => form.reset() },
    );
  };
  return (
    <form className="new-product" onSubmit={submit}>
      <fieldset>
        <legend>New product</legend>
        <label>
          SKU (A-Z, 0-9, dashes) <input name="sku" required pattern="[A-Za-z0-9][A-Za-z0-9-]{2,63}" />
        </label>
        <label>
          Name <input name="name" required maxLength={200} />
        </label>
        <label>
          Category slug <input name="category" required pattern="[a-z0-9]+(-[a-z0-9]+)*" />
        </label>
        <label>
          Price (USD) <input name="price" required inputMode="decimal" />
        </label>
        <label>
          Stock <input name="stock" inputMode="numeric" defaultValue="0" />
        </label>
        {error && <ErrorNote error={error} retry={() => setError(undefined)} />}
        <button type="submit" className="primary" disabled={create.isPending}>
          Create product
        </button>
      </fieldset>
    </form>
  );
}

function AdminProducts() {
  const products = useInfiniteQuery({
    queryKey: ['admin', 'products'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => listProducts(pageParam, signal),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = products.data?.pages.flatMap((page) => page.items) ?? [];
  // Per product: what its last change ran into (see ProductRow).
  const [problems, setProblems] = useState<Record<string, Error | undefined>>({});
  return (
    <section aria-labelledby="admin-products">
      <h2 id="admin-products">Products</h2>
      <NewProduct />
      <QueryStates
        query={products}
        what="products"
        count={items.length}
        empty="No products yet: create one above."
      />
      {items.length > 0 && (
        <table>
          <Columns names={['Product', 'Price', 'Stock', 'Actions']} />
          <tbody>
            {items.map((product) => (
              <ProductRow
                key={`${product.id}:${product.version}`}
                product={product}
                problem={problems[product.id]}
                setProblem={(problem) => setProblems((all) => ({ ...all, [product.id]: problem }))}
              />
            ))}
          </tbody>
        </table>
      )}
      {products.hasNextPage && (
        <button type="button" onClick={() => products.fetchNextPage()}>
          Load more
        </button>
      )}
    </section>
  );
}

const STATUSES: OrderStatus[] = [
  'PENDING_PAYMENT',
  'PAID',
  'CONFIRMED',
  'CANCELLED',
  'REFUND_PENDING',
  'REFUNDED',
];

function AdminOrders() {
  const [status, setStatus] = useState<OrderStatus | ''>('');
  const orders = useInfiniteQuery({
    queryKey: ['admin', 'orders', status],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET('/api/v1/admin/orders', {
          params: {
            query: { limit: 50, ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = orders.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section aria-labelledby="admin-orders">
      <h2 id="admin-orders">Orders (every shard)</h2>
      <label>
        Status
        <select
          value={status}
          onChange={(event) => setStatus(STATUSES.find((s) => s === event.target.value) ?? '')}
        >
          <option value="">Any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <QueryStates query={orders} what="orders" count={items.length} empty="No orders with this status." />
      {items.length > 0 && (
        <table>
          <Columns names={['Order', 'Created', 'Status', 'Total']} />
          <tbody>
            {items.map((order) => (
              <tr key={order.id}>
                <td>
                  <code>{order.id.slice(0, 8)}</code>
                </td>
                <td>{new Date(order.createdAt).toLocaleString()}</td>
                <td>{order.status}</td>
                <td>
                  <Price money={order.total} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {orders.hasNextPage && (
        <button type="button" onClick={() => orders.fetchNextPage()}>
          Load more
        </button>
      )}
    </section>
  );
}

/** The admin area: the page refuses a non-admin, and so does every admin route of the API (403). */
export default function Admin() {
  const { user } = useSession();
  if (user === undefined || !user.roles.includes('admin')) {
    return (
      <div className="empty" role="alert">
        <h1>Admins only</h1>
        <p>This area is for the shop's admins. Sign in with an admin account to use it.</p>
      </div>
    );
  }
  return (
    <div className="admin">
      <h1>Admin</h1>
      <nav aria-label="Admin">
        <NavLink to="/admin" end>
          Products
        </NavLink>{' '}
        · <NavLink to="/admin/orders">Orders</NavLink>
      </nav>
      <Routes>
        <Route index element={<AdminProducts />} />
        <Route path="orders" element={<AdminOrders />} />
      </Routes>
    </div>
  );
}
