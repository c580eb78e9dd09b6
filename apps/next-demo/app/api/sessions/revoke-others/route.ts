import { revokeOthers } from 'demo-kit';
import { post } from '@/lib/api';

/** `{ revoked }`: the user's other sessions destroyed; 401 when signed out. */
export const POST = post(revokeOthers);
