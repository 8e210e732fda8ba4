import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, authApi, sessionFetch, setAccessToken, setRefresher, unwrap } from '../api/client.ts';
import type { Session, User } from '../api/types.ts';
import { mergeCarts } from '../lib/cart-merge.ts';
import { clearGuestCart, readGuestCart } from '../cart/guest-cart.ts';

// Trade-off (documented in apps/web/README.md): auth answers the refresh token in the body, so the page
// keeps it in localStorage to survive a reload; the access token stays in memory. An httpOnly cookie set by
// auth would keep it out of reach of injected scripts: not done yet.
const REFRESH_KEY = 'shop.refreshToken';

interface SessionState {
  user: User | undefined;
  /** False until the stored refresh token has been tried on load. */
  ready: boolean;
  signIn: (email: string, password: string) => Promise<User>;
  signUp: (name: string, email: string, password: string) => Promise<User>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

/**
 * Rotates the stored refresh token into a session. Every tab of the browser shares the token, and a rotated
 * token used twice revokes the whole login (reuse detection), so refreshes run one at a time across tabs
 * (Web Locks) and each reads the token the previous one stored. undefined: the token was refused (the
 * session is over); a network error or a 5xx throws and keeps the token for the next try.
 */
async function refreshStored(): Promise<Session | undefined> {
  const run = async () => {
    const stored = localStorage.getItem(REFRESH_KEY);
    if (stored === null) return undefined;
    const result = await authApi.POST('/api/v1/auth/refresh', { body: { refreshToken: stored } });
    if (result.data !== undefined) {
      localStorage.setItem(REFRESH_KEY, result.data.refreshToken);
      return result.data;
    }
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
      localStorage.removeItem(REFRESH_KEY);
      setAccessToken(undefined);
      setUser(undefined);
      return undefined;
    }
    localStorage.setItem(REFRESH_KEY, session.refreshToken);
    setAccessToken(session.accessToken);
    setUser(session.user);
    return session.accessToken;
  }, []);

  useEffect(() => {
    setRefresher(async () => adopt(await refreshStored()));
    if (localStorage.getItem(REFRESH_KEY) === null) {
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
        afterSignIn(unwrap(await authApi.POST('/api/v1/auth/login', { body: { email, password } }))),
      signUp: async (name, email, password) => {
        // Registration answers a session of its own: no second password check.
        return afterSignIn(
          unwrap(await authApi.POST('/api/v1/auth/register', { body: { name, email, password } })),
        );
      },
      signOut: async () => {
        const stored = localStorage.getItem(REFRESH_KEY);
        if (stored !== null) await authApi.POST('/api/v1/auth/logout', { body: { refreshToken: stored } });
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
