import { lazy, Suspense, type ReactNode } from 'react';
import { Link, NavLink, Navigate, Route, Routes, useLocation } from 'react-router';
import { useSession } from './auth/session.tsx';
import { useCart } from './cart/use-cart.ts';
import { Loading } from './components.tsx';
import { SignIn, SignUp } from './pages/Account.tsx';
import { CartPage } from './pages/CartPage.tsx';
import { Catalog } from './pages/Catalog.tsx';
import { Checkout } from './pages/Checkout.tsx';
import { OrderPage } from './pages/OrderPage.tsx';
import { Orders } from './pages/Orders.tsx';
import { ProductPage } from './pages/ProductPage.tsx';

// Loaded only by admins who open it: not in the shoppers' bundle.
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
                <Suspense fallback={<Loading what="the admin area" />}>
                  <Admin />
                </Suspense>
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
      </main>
    </>
  );
}
