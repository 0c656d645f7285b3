/**
 * The name a connector has in a workspace (`workspace connector add <name>`, the admin API's
 * `/connectors/<name>`): letters, digits, `_`, `.` and `-`, at most 100. The workspace checks it;
 * the scaffolder and `connector dev` derive it from a package name the same way.
 */

/** Names the workspace accepts. `__proto__` is a valid name and only ever data. */
export const CONNECTOR_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/** A package name as a connector name: without its scope, other characters as `-` (`@acme/crm` → `crm`). */
export function connectorNameOf(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, '').replace(/[^A-Za-z0-9_.-]/g, '-');
}
