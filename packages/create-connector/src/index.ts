/**
 * `create-connector`: scaffold a connector project. Every export is public API; the SDK's
 * `connector create` runs {@link main} too, so both commands behave the same.
 */
export { main, type MainOptions } from './main.js';
export { createProject, type CreateProjectOptions, type CreateProjectResult } from './generate.js';
export { AUTH_KINDS, TARGETS, connectorIdProblem, type AuthKind, type ProjectOptions, type Target } from './options.js';
export { packageNameProblem, resolveProjectName, toDisplayName, type ProjectName } from './names.js';
export { PACKAGE_MANAGERS, commandsOf, detectPackageManager, type PackageManager, type PackageManagerCommands } from './package-manager.js';
export { CreateError } from './errors.js';
export { Journal } from './journal.js';
export { VERSIONS, CREATE_CONNECTOR_VERSION } from './versions.js';
