import { withSession } from '../../lib/session';

export const POST = withSession((request, _context, session) => {
  const params = request.nextUrl.searchParams;
  session.set(params.get('key') ?? 'streamed', params.get('value') ?? '');
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode('chunk-1\n'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      controller.enqueue(encoder.encode('chunk-2\n'));
      controller.close();
    },
  });
  return new Response(body, { headers: { 'Content-Type': 'text/plain' } });
});
