import { getSession } from '../../../lib/session';

// A form page: the token of an existing session is minted and saved without a cookie change.
export default async function CsrfPage() {
  const session = await getSession();
  const token = (await session.exists()) ? await session.csrfToken() : '';
  return (
    <form method="post" action="/form">
      <input type="hidden" name="_csrf" value={token} />
      <input name="value" />
    </form>
  );
}
