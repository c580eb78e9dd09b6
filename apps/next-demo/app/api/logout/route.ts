import { post } from '@/lib/api';
import { logout } from '@/lib/handlers';

/** 204: the session destroyed, its cookie expired. */
export const POST = post(logout);
