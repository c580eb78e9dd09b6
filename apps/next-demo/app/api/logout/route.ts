import { logout } from 'demo-kit';
import { post } from '@/lib/api';

/** 204: the session destroyed, its cookie expired. */
export const POST = post(logout);
