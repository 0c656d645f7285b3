/**
 * `connector create`: the scaffolder of the `create-connector` package, run in this process, so
 * `npx @connector-kit/sdk create …` and `npx create-connector …` are one implementation.
 */
import { ConnectorError } from '../errors.js';

/** The part of `create-connector` used here. */
interface CreateConnectorModule {
  main(
    argv: readonly string[],
    options?: { scriptName?: string; generate?: (dir: string) => Promise<{ methods: number; files: string[]; warnings: string[] }> },
  ): Promise<number>;
}

const PACKAGE = 'create-connector';

/**
 * Runs `create-connector` (a dependency of the SDK) with `argv` and resolves to its exit code.
 * @throws ConnectorError `CREATE_MISSING` when the package is missing (a broken install)
 */
export async function createConnectorProject(argv: readonly string[]): Promise<number> {
  // A variable, not a literal: create-connector is built after the SDK (it bundles the SDK's key
  // generation), so the SDK neither bundles it nor type-checks against its declarations.
  const specifier: string = PACKAGE;
  let mod: CreateConnectorModule;
  try {
    mod = (await import(specifier)) as CreateConnectorModule;
  } catch (error) {
    const missing = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(PACKAGE);
    if (!missing) throw error;
    throw new ConnectorError(
      'CREATE_MISSING',
      `the ${PACKAGE} package, a dependency of @connector-kit/sdk, is missing: reinstall the SDK, or run \`npx ${PACKAGE} ${argv.join(' ')}\``,
      { cause: error },
    );
  }
  // `--from-openapi` generates in this process, with this CLI's generator (before any install).
  const generate = async (dir: string): Promise<{ methods: number; files: string[]; warnings: string[] }> => {
    const { generateProject } = await import('./generate.js');
    return generateProject(dir);
  };
  return mod.main(argv, { scriptName: 'connector create', generate });
}
