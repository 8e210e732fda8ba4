import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { Product } from './api/types.ts';
import { formatMoney } from './lib/money.ts';

export function Price({ money }: { money: { amount: number; currency: string } | null }) {
  return <span className="price">{money === null ? '—' : formatMoney(money)}</span>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="status" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** An error that says what to do next, with a retry when one can help. */
export function ErrorNote({ error, retry }: { error: Error; retry?: () => void }) {
  return (
    <div className="error" role="alert">
      <p>{error.message}</p>
      {retry !== undefined ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : (
        <p>Check your connection and reload the page.</p>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** What a list shows while its query loads, fails or comes back empty; nothing once it has items. */
export function QueryStates({
  query,
  what,
  count,
  empty,
}: {
  query: { isPending: boolean; isSuccess: boolean; error: Error | null; refetch: () => unknown };
  what: string;
  /** Items received so far (undefined: the list is not one that can be empty). */
  count?: number;
  empty?: ReactNode;
}) {
  return (
    <>
      {query.isPending && <Loading what={what} />}
      {query.error && <ErrorNote error={query.error} retry={() => void query.refetch()} />}
      {query.isSuccess && count === 0 && empty !== undefined && <Empty>{empty}</Empty>}
    </>
  );
}

/** A table's header row of column names. */
export function Columns({ names }: { names: string[] }) {
  return (
    <thead>
      <tr>
        {names.map((name) => (
          <th key={name} scope="col">
            {name}
          </th>
        ))}
      </tr>
    </thead>
  );
}

export function ProductCard({ product }: { product: Product }) {
  return (
    <li className="card">
      <Link to={`/products/${product.id}`}>
        {product.imageUrl !== null ? (
          <img src={product.imageUrl} alt="" width={240} height={180} loading="lazy" />
        ) : (
          <div className="placeholder" aria-hidden="true">
            {product.name.slice(0, 1)}
          </div>
        )}
        <span className="card-name">{product.name}</span>
      </Link>
      <Price money={product.price} />
      {!product.inStock && <span className="badge">Sold out</span>}
    </li>
  );
}
