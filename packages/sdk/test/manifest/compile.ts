/**
 * Test helper: compiles declaration text with the TypeScript compiler, the way a workspace
 * editor would load the manifest's `introspect` (protocol.md §2).
 */
import { Project, ts } from 'ts-morph';

/** Syntax and type errors in `text` as a declaration file, one `line: message` each; empty when it compiles. */
export function declarationErrors(text: string): string[] {
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2023.d.ts'] },
  });
  const file = project.createSourceFile('/introspect.d.ts', text);
  const program = project.getProgram();
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
    const line = d.getLineNumber() ?? 0;
    return `${line}: ${ts.flattenDiagnosticMessageText(d.compilerObject.messageText, '\n')}`;
  });
}
