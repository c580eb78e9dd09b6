import { post } from '@/lib/api';
import { increment } from '@/lib/handlers';

/** `{ count }`, incremented atomically. */
export const POST = post(increment);
