export type { SessionApiHandler } from './api-route.ts';
export {
  createNextSession,
  type NextAdapterOptions,
  type NextSession,
  type NextSessionOptions,
} from './next-session.ts';
export type { NextCsrfOptions } from './request.ts';
export type { SessionRouteHandler, WithSessionOptions } from './route-handler.ts';
