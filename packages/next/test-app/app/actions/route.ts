import { addToCart } from './cart';

// Calls the Server Action directly, as Next does when a form posts to it: the action() wrapper commits
// through cookies(), which Next writes into this response.
export async function POST(request: Request) {
  const params = new URL(request.url).searchParams;
  const then = params.get('then') as 'redirect' | 'not-found' | 'fail' | null;
  const cart = await addToCart(params.get('item') ?? 'tea', then ?? undefined);
  return Response.json({ cart });
}
