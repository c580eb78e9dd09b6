// /__scenarios/<name> (a folder name starting with %5F is how Next routes a URL segment that starts with
// an underscore): the shared scenario app, for apps/e2e only, with DEMO_SCENARIO_ROUTES=1.
import { scenarioHandler } from '@/lib/scenario-routes';

export const dynamic = 'force-dynamic';
export const GET = scenarioHandler('GET');
export const POST = scenarioHandler('POST');
