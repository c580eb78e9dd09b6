import { addToCart } from 'demo-kit';
import { post } from '@/lib/api';

/** `{ item }` (1 to 64 characters, else 400) appended atomically → `{ cart }`. */
export const POST = post(addToCart);
