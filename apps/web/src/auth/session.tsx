import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, authApi, sessionFetch, setAccessToken, setRefresher, unwrap } from '../api/client.ts';
import type { Session, User } from '../api/types.ts';
import { mergeCarts } from '../lib/cart-merge.ts';
import { clearGuestCart, readGuestCart } from '../cart/guest-cart.ts';

// The refresh token never reaches this page's scripts: auth sets it as an httpOnly, Secure, SameSite=Strict
// cookie on /api/v1/auth (refreshTokenDelivery "cookie"), the browser sends it on refresh and logout, and the
// access token lives in memory only. What localStorage keeps is whether this browser signed in, so a guest's
// visit does not cost a refresh that can only answer 401. Not a secret: forging it buys one 401.
const SIGNED_IN_KEY = 'shop.signedIn';
const COOKIE = { refreshTokenDelivery: 'cookie' } as const;

interface SessionState {
  user: User | undefined;
  /** False until the refresh cookie has been tried on load. */
  ready: boolean;
  signIn: (email: string, password: string) => Promise<User>;
  signUp: (name: string, email: string, password: string) => Promise<User>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

/**
 * Rotates the refresh cookie into a session. Every tab of the browser shares the cookie, and a rotated token
 * presented twice revokes the whole login (reuse detection), so refreshes run one at a time across tabs (Web
 * Locks) and each sends the cookie the previous one set. undefined: the token was refused or is missing (the
 * session is over); a network error or a 5xx throws and keeps the session for the next try.
 */
async function refreshFromCookie(): Promise<Session | undefined> {
  const run = async () => {
    if (localStorage.getItem(SIGNED_IN_KEY) === null) return undefined;
    const result = await authApi.POST('/api/v1/auth/refresh', { body: COOKIE });
    if (result.data !== undefined) return result.data;
    if (result.response.status === 400 || result.response.status === 401) return undefined;
    throw new Error(`Refreshing the session answered ${result.response.status}; try again in a moment.`);
  };
  return 'locks' in navigator ? navigator.locks.request('shop.refresh', run) : run();
}

/** Puts the guest cart's lines into the server cart (sums per product), then forgets the guest cart. */
async function mergeGuestCart(): Promise<void> {
  const guest = readGuestCart();
  if (guest.length === 0) return;
  const server = unwrap(await api.GET('/api/v1/cart'));
  for (const line of mergeCarts(server.lines, guest)) {
    await api.PUT('/api/v1/cart/items/{productId}', {
      params: { path: { productId: line.productId } },
      body: { quantity: line.quantity },
    });
  }
  clearGuestCart();
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | undefined>();
  const [ready, setReady] = useState(false);
  const queryClient = useQueryClient();

  const adopt = useCallback((session: Session | undefined) => {
    if (session === undefined) {
      localStorage.removeItem(SIGNED_IN_KEY);
      setAccessToken(undefined);
      setUser(undefined);
      return undefined;
    }
    localStorage.setItem(SIGNED_IN_KEY, '1');
    setAccessToken(session.accessToken);
    setUser(session.user);
    return session.accessToken;
  }, []);

  useEffect(() => {
    setRefresher(async () => adopt(await refreshFromCookie()));
    if (localStorage.getItem(SIGNED_IN_KEY) === null) {
      setReady(true);
      return;
    }
    // Through the one refresh in flight: a second mount (React's StrictMode) or a request's 401 at the
    // same time joins it instead of presenting the same token twice.
    sessionFetch
      .refreshOnce()
      .catch(() => undefined)
      .finally(() => setReady(true));
  }, [adopt]);

  const afterSignIn = useCallback(
    async (session: Session) => {
      // The guest cart joins the server cart before the page shows the signed-in cart, so it never shows
      // the server cart without the guest's lines.
      setAccessToken(session.accessToken);
      await mergeGuestCart().catch(() => undefined);
      adopt(session);
      await queryClient.invalidateQueries();
      return session.user;
    },
    [adopt, queryClient],
  );

  const value = useMemo<SessionState>(
    () => ({
      user,
      ready,
      signIn: async (email, password) =>
        afterSignIn(
          unwrap(await authApi.POST('/api/v1/auth/login', { body: { email, password, ...COOKIE } })),
        ),
      signUp: async (name, email, password) => {
        // Registration answers a session of its own: no second password check.
        return afterSignIn(
          unwrap(await authApi.POST('/api/v1/auth/register', { body: { name, email, password, ...COOKIE } })),
        );
      },
      signOut: async () => {
        // The cookie goes with the request; auth revokes its token and clears it.
        await authApi.POST('/api/v1/auth/logout', { body: {} });
        adopt(undefined);
        queryClient.clear();
      },
    }),
    [user, ready, afterSignIn, adopt, queryClient],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside SessionProvider');
  return session;
}
