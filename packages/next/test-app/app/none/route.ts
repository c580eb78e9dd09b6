import { withSession } from '../../lib/session';

// Never touches the session: no cookie, no store call.
export const GET = withSession(() => new Response('none'));
