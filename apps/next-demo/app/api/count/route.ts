import { increment } from 'demo-kit';
import { post } from '@/lib/api';

/** `{ count }`, incremented atomically. */
export const POST = post(increment);
