/**
 * Questions for what the command line left out. Only asked of a person at a terminal.
 */
import { createInterface } from 'node:readline/promises';
import { CreateError } from './errors.js';

/** Asks one question at a time. */
export interface Asker {
  /** Asks until `check` accepts the answer (it returns a problem to show, or undefined). */
  ask(question: string, options?: { fallback?: string; check?: (answer: string) => string | undefined }): Promise<string>;
  /** Asks to pick one of `choices`, by name or number. */
  choose<T extends string>(question: string, choices: readonly T[], fallback: T): Promise<T>;
  close(): void;
}

/** An {@link Asker} on a terminal. Ctrl-C or end of input rejects with `ABORTED`. */
export function createAsker(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Asker {
  const rl = createInterface({ input, output, terminal: true });
  const aborted = new Promise<never>((_, reject) => {
    const abort = (): void => reject(new CreateError('ABORTED', 'cancelled; nothing was written', { exitCode: 130 }));
    rl.once('SIGINT', abort);
    rl.once('close', abort);
  });
  aborted.catch(() => undefined);

  const ask: Asker['ask'] = async (question, options = {}) => {
    for (;;) {
      const suffix = options.fallback === undefined ? '' : ` (${options.fallback})`;
      const raw = await Promise.race([rl.question(`? ${question}${suffix}: `), aborted]);
      const answer = raw.trim() === '' ? (options.fallback ?? '') : raw.trim();
      const problem = options.check?.(answer);
      if (problem === undefined) return answer;
      output.write(`  ${problem}\n`);
    }
  };

  return {
    ask,
    async choose(question, choices, fallback) {
      const listed = choices.map((c, i) => `${i + 1}) ${c}`).join('  ');
      const pick = (answer: string): string | undefined => choices.find((c, i) => c === answer || String(i + 1) === answer);
      const answer = await ask(`${question} [${listed}]`, {
        fallback,
        check: (a) => (pick(a) === undefined ? `pick one of: ${choices.join(', ')}` : undefined),
      });
      return pick(answer) as (typeof choices)[number];
    },
    close: () => rl.close(),
  };
}
