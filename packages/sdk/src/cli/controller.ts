/**
 * `connector build` and `validate` for class-style connectors: the class's public methods, JSDoc
 * and types, read with the TypeScript compiler, become the manifest's methods and the argument
 * checks (see manifest/controller-schemas.ts).
 */
import type { Connector } from '../connector/define.js';
import { isControllerConnector } from '../controller/index.js';
import { ConnectorError } from '../errors.js';
import { describeProblems, extractControllerSchemas, type ControllerProblem } from '../manifest/controller-schemas.js';

/** What {@link readControllerTypes} made of the project. */
export interface ControllerTypes {
  /** The connector with the schemas applied (the same one when it is no controller or not TypeScript). */
  connector: Connector;
  /** What the manifest cannot express; empty when all is well. */
  problems: ControllerProblem[];
  /** Why the class was not read (a JavaScript entry), if it was not. */
  skipped?: string;
}

/** Reads the controller class of a TypeScript entry and applies its schemas; other connectors pass through. */
export function readControllerTypes(connector: Connector, dir: string, entry: string): ControllerTypes {
  if (!isControllerConnector(connector)) return { connector, problems: [] };
  if (!/\.[mc]?ts$/.test(entry)) {
    return { connector, problems: [], skipped: `${entry} is JavaScript: the methods take any argument object and have no schemas` };
  }
  const extraction = extractControllerSchemas({ projectDir: dir, entry });
  if (extraction.problems.length > 0) return { connector, problems: extraction.problems };
  return { connector: connector.controller.withSchemas(extraction.methods), problems: [] };
}

/**
 * {@link readControllerTypes} for `connector build`: any problem fails the build.
 * @throws ConnectorError `DEFINITION_INVALID` listing what the manifest cannot express
 */
export function applyControllerTypes(connector: Connector, dir: string, entry: string, log: (line: string) => void): Connector {
  const read = readControllerTypes(connector, dir, entry);
  if (read.skipped !== undefined) log(`warning: ${read.skipped}`);
  if (read.problems.length > 0) {
    const name = isControllerConnector(connector) ? connector.controller.className : 'the controller';
    throw new ConnectorError('DEFINITION_INVALID', describeProblems({ className: name, methods: {}, problems: read.problems }));
  }
  return read.connector;
}
