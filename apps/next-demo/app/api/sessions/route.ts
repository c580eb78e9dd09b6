import { get } from '@/lib/api';
import { listSessions } from '@/lib/handlers';

export const dynamic = 'force-dynamic';

/** `[{ current, createdAt }]` for the signed-in user; 401 when signed out. */
export const GET = get(listSessions);
