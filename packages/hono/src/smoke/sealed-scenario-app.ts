// Entry of the test-only scenario bundle in sealed-cookie mode (see controlled-app.ts).
import type { Hono } from 'hono';
import { controlledScenarioApp } from './controlled-app.ts';

const app: Hono = controlledScenarioApp('sealed');
export default app;
