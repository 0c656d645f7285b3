import { field } from '@connector-kit/sdk';
import { Controller, defineController } from '@connector-kit/sdk/controller';

interface Config {
  greeting?: string;
}

/** A reminder as the workspace shows it. */
interface Reminder {
  /** What to be reminded of. */
  title: string;
  /** When, as an ISO 8601 date (e.g. 2026-12-24). */
  due?: string;
}

/**
 * hello-world written as an ALOMA connector is: a class whose public methods are the
 * connector's methods, reaching the workspace through `this`. `connector build` reads the
 * methods' JSDoc and types into the manifest and the argument checks.
 */
class HelloController extends Controller<Config> {
  /**
   * Say hello to someone, with the configured greeting.
   * @param args.name - Who to greet
   */
  async hello({ name = 'world' }: { name?: string }): Promise<{ message: string }> {
    return { message: `${this.config.greeting ?? 'Hello'}, ${name}` };
  }

  /** File a reminder task in the workspace and answer its id. */
  async remind(reminder: Reminder): Promise<{ taskId: string }> {
    const { title, due } = reminder;
    // The build's schema checks the argument; this guards runs without one (the test harness).
    if (typeof title !== 'string' || title === '') throw new Error('remind needs a title');
    const taskId = await this.newTask('reminder', { title, ...(due === undefined ? {} : { due }) });
    return { taskId };
  }

  /**
   * Store a note as a file in the workspace and answer its id and size in bytes.
   * @param args.text - The note, stored as UTF-8 text
   */
  async saveNote({ text }: { text: string }): Promise<{ blobId: string; size: number }> {
    const blobId = await this.createBlob({ content: Buffer.from(text).toString('base64'), name: 'note.txt', mimetype: 'text/plain' });
    return { blobId, size: (await this.getBlob(blobId)).size };
  }

  /**
   * Read a note back.
   * @param args.blobId - The id saveNote answered
   */
  async readNote({ blobId }: { blobId: string }): Promise<{ text: string }> {
    return { text: Buffer.from(await this.getBlobContent(blobId), 'base64').toString('utf8') };
  }

  /** Suggests the fields of a reminder (`__autocomplete`). */
  protected autocomplete({ entity }: { entity: string }): string[] {
    return entity === 'reminder' ? ['title', 'due'] : [];
  }

  /** Data posted to the endpoint URL becomes a reminder. */
  protected async endpoint(data: Record<string, unknown>): Promise<{ taskId: string }> {
    return this.remind({ title: String(data.title ?? 'posted'), ...(typeof data.due === 'string' ? { due: data.due } : {}) });
  }
}

export default defineController(HelloController, {
  name: 'Hello Controller',
  summary: 'Says hello and files tasks, class style',
  description: 'hello-world as a controller class: tasks, a blob, autocomplete and an endpoint.',
  config: {
    greeting: field.line({ label: 'Greeting', description: 'The word to greet with', placeholder: 'Hello', optional: true, plain: true }),
  },
});
