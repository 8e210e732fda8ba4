import { lazy, Suspense, type ReactNode } from 'react';
import { Link, NavLink, Navigate, Route, Routes, useLocation } from 'react-router';
import { useSession } from './auth/session.tsx';
import { useCart } from './cart/use-cart.ts';
import { Loading } from './components.tsx';
import { Catalog } from './pages/Catalog.tsx';
import { ProductPage } from './pages/ProductPage.tsx';

// The pages people land on (from a search engine or a shared link) are in the first bundle; the rest are
// loaded when a shopper goes there, so the home page's script is only what it runs. The admin area is loaded
// only by admins who open it.
const page = <Name extends string>(load: () => Promise<Record<Name, () => ReactNode>>, name: Name) =>
  lazy(async () => ({ default: (await load())[name] }));
const SignIn = page(() => import('./pages/Account.tsx'), 'SignIn');
const SignUp = page(() => import('./pages/Account.tsx'), 'SignUp');
const CartPage = page(() => import('./pages/CartPage.tsx'), 'CartPage');
const Checkout = page(() => import('./pages/Checkout.tsx'), 'Checkout');
const OrderPage = page(() => import('./pages/OrderPage.tsx'), 'OrderPage');
const Orders = page(() => import('./pages/Orders.tsx'), 'Orders');
const Admin = lazy(() => import('./pages/Admin.tsx'));

function SignedIn({ children }: { children: ReactNode }) {
  const { user, ready } = useSession();
  const location = useLocation();
  if (!ready) return <Loading what="your session" />;
  if (user === undefined) {
    return (
      <Navigate to={`/signin?next=${encodeURIComponent(location.pathname + location.search)}`} replace />
    );
  }
  return children;
}

function Header() {
  const { user, signOut } = useSession();
  const { cart } = useCart();
  return (
    <header className="site-header">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Link to="/" className="logo">
        Black Friday Shop
      </Link>
      <nav aria-label="Account">
        <NavLink to="/cart">
          Cart <span className="count">({cart.itemCount})</span>
        </NavLink>
        {user ? (
          <>
            <NavLink to="/orders">Orders</NavLink>
            {user.roles.includes('admin') && <NavLink to="/admin">Admin</NavLink>}
            <span className="who">Hi, {user.name}</span>
            <button type="button" className="link" onClick={() => void signOut()}>
              Sign out
            </button>
          </>
        ) : (
          <>
            <NavLink to="/signin">Sign in</NavLink>
            <NavLink to="/signup">Sign up</NavLink>
          </>
        )}
      </nav>
    </header>
  );
}

export function App() {
  return (
    <>
      <Header />
      <main id="main">
        <Suspense fallback={<Loading what="the page" />}>
          <Routes>
            <Route path="/" element={<Catalog />} />
            <Route path="/products/:id" element={<ProductPage />} />
            <Route path="/cart" element={<CartPage />} />
            <Route path="/signin" element={<SignIn />} />
            <Route path="/signup" element={<SignUp />} />
            <Route
              path="/checkout"
              element={
                <SignedIn>
                  <Checkout />
                </SignedIn>
              }
            />
            <Route
              path="/orders"
              element={
                <SignedIn>
                  <Orders />
                </SignedIn>
              }
            />
            <Route
              path="/orders/:id"
              element={
                <SignedIn>
                  <OrderPage />
                </SignedIn>
              }
            />
            <Route
              path="/admin/*"
              element={
                <SignedIn>
                  <Admin />
                </SignedIn>
              }
            />
            <Route
              path="*"
              element={
                <div className="empty">
                  <h1>Page not found</h1>
                  <p>
                    <Link to="/">Go to the catalog</Link>
                  </p>
                </div>
              }
            />
          </Routes>
        </Suspense>
      </main>
    </>
  );
}
