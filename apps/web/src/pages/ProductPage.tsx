import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { ErrorNote, Loading, Price } from '../components.tsx';
import { useCart } from '../cart/use-cart.ts';

export function ProductPage() {
  const { id = '' } = useParams();
  const { add } = useCart();
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState(false);
  const product = useQuery({
    queryKey: ['product', id],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/products/{id}', { params: { path: { id } }, signal })),
  });
  if (product.isPending) return <Loading what="the product" />;
  if (product.error) {
    return (
      <>
        <ErrorNote error={product.error} retry={() => product.refetch()} />
        <Link to="/">Back to the catalog</Link>
      </>
    );
  }
  const item = product.data;
  return (
    <article className="product">
      <h1>{item.name}</h1>
      <p className="big-price">
        <Price money={item.price} />
      </p>
      <p>{item.description}</p>
      <dl className="attributes">
        <dt>SKU</dt>
        <dd>{item.sku}</dd>
        {Object.entries(item.attributes).map(([key, value]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>{String(value)}</dd>
          </div>
        ))}
      </dl>
      {item.inStock ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            setAdded(false);
            add.mutate({ product: item, quantity }, { onSuccess: () => setAdded(true) });
          }}
        >
          <label>
            Quantity
            <input
              type="number"
              min={1}
              max={99}
              value={quantity}
              onChange={(event) => setQuantity(Math.max(1, Math.min(99, Number(event.target.value) || 1)))}
            />
          </label>
          <button type="submit" disabled={add.isPending}>
            {add.isPending ? 'Adding…' : 'Add to cart'}
          </button>
        </form>
      ) : (
        <p className="badge">Sold out: check back later.</p>
      )}
      {added && (
        <p role="status">
          Added. <Link to="/cart">Go to your cart</Link>
        </p>
      )}
      {add.error && <ErrorNote error={add.error} retry={() => add.reset()} />}
    </article>
  );
}
