'use client';
// Next's error boundary for the page: what a visitor sees when the page cannot load its session (the
// session store is down) or fails otherwise. The server logs the error; the page says nothing about it.
export default function PageError({ error }: { error: Error & { digest?: string } }) {
  return (
    <>
      <h1>Cloakroom demo · Next.js</h1>
      <section className="flash" data-test="error">
        <p>The page could not load your session; the session store may be unavailable.</p>
        <p>
          <a href="/">Try again</a>
          {error.digest ? <span className="muted"> (error {error.digest})</span> : null}
        </p>
      </section>
    </>
  );
}
