import { Link } from 'react-router';
import { Columns, Empty, ErrorNote, Loading, Price } from '../components.tsx';
import { useCart } from '../cart/use-cart.ts';

export function CartPage() {
  const { cart, setQuantity } = useCart();
  if (cart.loading) return <Loading what="your cart" />;
  if (cart.error) return <ErrorNote error={cart.error} />;
  if (cart.lines.length === 0) {
    return (
      <Empty>
        <h1>Your cart is empty</h1>
        <p>
          <Link to="/">Browse the catalog</Link> and add something you like.
        </p>
      </Empty>
    );
  }
  return (
    <div className="cart">
      <h1>Your cart</h1>
      <table>
        <Columns names={['Product', 'Unit price', 'Quantity', 'Total']} />
        <tbody>
          {cart.lines.map((line) => (
            <tr key={line.productId}>
              <td>
                <Link to={`/products/${line.productId}`}>{line.name}</Link>
                {line.issues.map((issue) => (
                  <p key={issue} className="issue">
                    {issue}
                  </p>
                ))}
              </td>
              <td>
                <Price money={line.unitPrice} />
              </td>
              <td>
                <label className="visually-hidden" htmlFor={`qty-${line.productId}`}>
                  Quantity of {line.name}
                </label>
                <input
                  id={`qty-${line.productId}`}
                  type="number"
                  min={0}
                  max={99}
                  value={line.quantity}
                  disabled={setQuantity.isPending}
                  onChange={(event) =>
                    setQuantity.mutate({
                      productId: line.productId,
                      quantity: Math.min(99, Math.max(0, Number(event.target.value) || 0)),
                    })
                  }
                />
                <button
                  type="button"
                  className="link"
                  onClick={() => setQuantity.mutate({ productId: line.productId, quantity: 0 })}
                >
                  Remove <span className="visually-hidden">{line.name}</span>
                </button>
              </td>
              <td>
                <Price money={line.lineTotal} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {setQuantity.error && <ErrorNote error={setQuantity.error} retry={() => setQuantity.reset()} />}
      <p className="subtotal">
        Subtotal:{' '}
        {cart.subtotals.map((money) => (
          <Price key={money.currency} money={money} />
        ))}
      </p>
      {cart.signedIn ? (
        cart.checkoutReady ? (
          <Link className="button" to="/checkout">
            Check out
          </Link>
        ) : (
          <p>Fix the lines marked above to check out.</p>
        )
      ) : (
        <p>
          <Link className="button" to="/signin?next=/checkout">
            Sign in to check out
          </Link>{' '}
          or <Link to="/signup?next=/checkout">create an account</Link>: your cart comes with you.
        </p>
      )}
    </div>
  );
}
