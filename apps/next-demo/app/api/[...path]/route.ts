import { NOT_FOUND } from 'demo-kit';
import { respond } from '@/lib/api';

// Any other /api path: a JSON 404, as every demo answers, instead of Next's HTML page.
const notFound = async (): Promise<Response> => respond(NOT_FOUND);

export const dynamic = 'force-dynamic';
export { notFound as DELETE, notFound as GET, notFound as PATCH, notFound as POST, notFound as PUT };
