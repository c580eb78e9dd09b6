import { readState } from 'demo-kit';
import { get } from '@/lib/api';

export const dynamic = 'force-dynamic';

/** `{ user, count, cart, flash }`; the read consumes the flash messages. */
export const GET = get(readState);
