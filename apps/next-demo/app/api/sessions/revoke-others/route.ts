import { post } from '@/lib/api';
import { revokeOthers } from '@/lib/handlers';

/** `{ revoked }`: the user's other sessions destroyed; 401 when signed out. */
export const POST = post(revokeOthers);
