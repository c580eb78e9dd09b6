// Entry of the test-only scenario bundle over the memory store (see controlled-app.ts).
import type { Hono } from 'hono';
import { controlledScenarioApp } from './controlled-app.ts';

const app: Hono = controlledScenarioApp('memory');
export default app;
