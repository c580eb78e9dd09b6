// iron-session's app after the move has the same handlers as express-session's (the guide shows both).
export { routes } from '../express-session/routes.ts';
