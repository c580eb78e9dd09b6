import { post } from '@/lib/api';
import { login } from '@/lib/handlers';

/** `{ username, password }` → `{ user }` with a new session id and a welcome flash; 401 otherwise. */
export const POST = post((session, body, request) => login(session, body, request.headers.get('user-agent')));
