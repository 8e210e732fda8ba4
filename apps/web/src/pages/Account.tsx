import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useSession } from '../auth/session.tsx';
import { ErrorNote } from '../components.tsx';

function useNext(): string {
  const [params] = useSearchParams();
  const next = params.get('next') ?? '/';
  // Only paths of this site: never an open redirect.
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/**
 * An account form's submit: runs `action` with the form's fields, then goes to `next`; while it runs the
 * form is busy, and what went wrong stays shown until the next try.
 */
function useAccountForm(action: (field: (name: string) => string) => Promise<unknown>) {
  const navigate = useNavigate();
  const next = useNext();
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      await action((name) => String(data.get(name)));
      navigate(next);
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  };
  return { next, error, setError, busy, submit };
}

export function SignIn() {
  const { signIn } = useSession();
  const { next, error, setError, busy, submit } = useAccountForm((field) =>
    signIn(field('email'), field('password')),
  );
  return (
    <form className="account" onSubmit={submit}>
      <h1>Sign in</h1>
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="email" required />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required />
      {error && <ErrorNote error={error} retry={() => setError(undefined)} />}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p>
        New here? <Link to={`/signup?next=${encodeURIComponent(next)}`}>Create an account</Link>
      </p>
    </form>
  );
}

export function SignUp() {
  const { signUp } = useSession();
  const { next, error, setError, busy, submit } = useAccountForm((field) =>
    signUp(field('name'), field('email'), field('password')),
  );
  return (
    <form className="account" onSubmit={submit}>
      <h1>Create an account</h1>
      <label htmlFor="name">Name</label>
      <input id="name" name="name" autoComplete="name" required maxLength={100} />
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="email" required />
      <label htmlFor="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        aria-describedby="password-rule"
      />
      <p id="password-rule" className="hint">
        At least 10 characters, not your email, not a common password.
      </p>
      {error && <ErrorNote error={error} retry={() => setError(undefined)} />}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Creating your account…' : 'Create account'}
      </button>
      <p>
        Have an account? <Link to={`/signin?next=${encodeURIComponent(next)}`}>Sign in</Link>
      </p>
    </form>
  );
}
