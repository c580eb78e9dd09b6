// The scenario routes' test hook (see @cloakroom/session-adapter-test's gate): served only with
// DEMO_SCENARIO_ROUTES=1, where a `/regenerate?gate=<loopback url>` request loads its session and waits
// until apps/e2e lets it go, so a sign-out can land between its load and its regenerate. The `gate`
// subpath loads without vitest.
export { holdAtGate } from '@cloakroom/session-adapter-test/gate';
