import { get } from '@/lib/api';
import { readState } from '@/lib/handlers';

export const dynamic = 'force-dynamic';

/** `{ user, count, cart, flash }`; the read consumes the flash messages. */
export const GET = get(readState);
