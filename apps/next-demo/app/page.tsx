// The demo page, a Server Component: it reads the session (consuming the flash messages, which needs no
// cookie) and renders demo-kit's page as React, with the same labels and data-test hooks,
// so apps/e2e's browser test drives every demo alike. Its forms post to Server Actions (./actions.ts).
import type { SessionInfo } from '@cloakroom/session-core';
import { MAX_ITEM_LENGTH, type SessionRow, sessionRows, unlisted, utcMinute } from 'demo-kit';
import type { ReactNode } from 'react';
import { readState } from '@/lib/handlers';
import { getSession, idleTimeout } from '@/lib/session';
import {
  addToCartAction,
  incrementAction,
  signInAction,
  signOutAction,
  signOutOthersAction,
} from './actions';

type Sessions = readonly SessionRow[] | 'unsupported' | null;

// A form posting to a Server Action. Its labelled inputs (children) stand just before it and join it
// through their `form` attribute, so each input sits inside its <label> while the <form> holds only
// Next's hidden action fields and the button, as it always has.
function Form(props: {
  action: (form: FormData) => Promise<void>;
  label: string;
  test: string;
  id?: string;
  children?: ReactNode;
}) {
  return (
    <>
      {props.children}
      <form id={props.id} action={props.action}>
        <button type="submit" data-test={props.test}>
          {props.label}
        </button>
      </form>
    </>
  );
}

function SessionList({ sessions }: { sessions: Sessions }) {
  if (sessions === null) return null;
  if (sessions === 'unsupported') {
    return (
      <section>
        <h2>Your active sessions</h2>
        <p className="muted">
          This store (Memcached) keeps no per-user index, so it cannot list or revoke your sessions.
        </p>
      </section>
    );
  }
  return (
    <section>
      <h2>Your active sessions</h2>
      <ul>
        {sessions.map((s, index) => (
          <li key={`${s.createdAt}-${index}`} className={s.current ? 'current' : ''} data-test="session">
            <span data-test="device">{s.device ?? 'another device'}</span>: signed in{' '}
            <time dateTime={s.createdAt}>{utcMinute(s.createdAt)}</time>, last seen{' '}
            <time dateTime={s.lastSeenAt}>{utcMinute(s.lastSeenAt)}</time>
            {s.current ? ' (this one)' : ''}
          </li>
        ))}
      </ul>
      <Form action={signOutOthersAction} label="Sign out other devices" test="revoke" />
    </section>
  );
}

export default async function Home() {
  const session = await getSession();
  const [state, device] = await Promise.all([readState(session), session.get('device')]);
  // The flash messages shown here are consumed: save that now, before the page goes out, so the next
  // request cannot see them again (otherwise getSession() saves it after the response, with after()).
  if (state.flash.length > 0) await session.save();
  // Signed in: the user's sessions, "last seen" derived from each one's stored expiry.
  const listed: SessionInfo[] | 'unsupported' | null =
    state.user === null ? null : await session.listSessions().catch(unlisted);
  const sessions: Sessions = Array.isArray(listed) ? sessionRows(listed, idleTimeout, device) : listed;
  return (
    <>
      <h1>Cloakroom demo · Next.js</h1>
      {state.flash.length > 0 ? (
        <section className="flash" role="status" data-test="flash">
          {state.flash.map((message, index) => (
            <p key={`${index}-${message}`}>{message}</p>
          ))}
        </section>
      ) : null}
      <section>
        <h2>Account</h2>
        {state.user !== null ? (
          <>
            <p>
              Signed in as <strong data-test="user">{state.user}</strong>
            </p>
            <Form action={signOutAction} label="Sign out" test="logout" />
          </>
        ) : (
          <>
            <p data-test="user-none">Not signed in. Demo users: alice / alice-secret, bob / bob-secret.</p>
            <Form action={signInAction} label="Sign in" test="login" id="sign-in">
              <label>
                Username{' '}
                <input
                  form="sign-in"
                  name="username"
                  placeholder="username"
                  autoComplete="username"
                  required
                />
              </label>
              <label>
                Password{' '}
                <input
                  form="sign-in"
                  name="password"
                  type="password"
                  placeholder="password"
                  autoComplete="current-password"
                  required
                />
              </label>
            </Form>
          </>
        )}
      </section>
      <SessionList sessions={sessions} />
      <section>
        <h2>Counter</h2>
        <p>
          Count: <strong data-test="count">{state.count}</strong>
        </p>
        <Form action={incrementAction} label="Increment" test="increment" />
      </section>
      <section>
        <h2>Cart</h2>
        {state.cart.length > 0 ? (
          <ul data-test="cart">
            {state.cart.map((item, index) => (
              <li key={`${index}-${item}`}>{item}</li>
            ))}
          </ul>
        ) : (
          <p className="muted" data-test="cart-empty">
            Empty.
          </p>
        )}
        <Form action={addToCartAction} label="Add" test="add" id="add-item">
          <label>
            Item <input form="add-item" name="item" placeholder="item" maxLength={MAX_ITEM_LENGTH} required />
          </label>
        </Form>
      </section>
      <p className="muted">
        Sessions live in a shared store: sign in here and every other demo instance on the same store sees
        you.
      </p>
    </>
  );
}
