import { post } from '@/lib/api';
import { addToCart } from '@/lib/handlers';

/** `{ item }` (1 to 64 characters, else 400) appended atomically → `{ cart }`. */
export const POST = post((session, body) => addToCart(session, body));
