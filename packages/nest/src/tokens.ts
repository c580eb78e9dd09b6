/**
 * Injection token of the {@link @cloakroom/session-core!SessionManager} the module builds, for what needs
 * the manager itself, such as revoking every session of a user from an admin endpoint.
 * @example
 * constructor(@Inject(SESSION_MANAGER) private readonly sessions: SessionManager) {}
 */
export const SESSION_MANAGER: unique symbol = Symbol.for('@cloakroom/session-nest:manager');

/** Injection token of the resolved {@link SessionModuleOptions}. */
export const SESSION_OPTIONS: unique symbol = Symbol.for('@cloakroom/session-nest:options');
