import { login } from 'demo-kit';
import { post } from '@/lib/api';

/** `{ username, password }` → `{ user }` with a new session id and a welcome flash; 401 otherwise. */
export const POST = post(login);
