import { defineConnector, field, z } from '@connector-kit/sdk';

/**
 * The smallest useful connector: a greeting whose wording comes from config, and a method
 * that files a task in the workspace.
 */
export default defineConnector({
  name: 'Hello World',
  summary: 'Says hello and files tasks',
  description: 'A first connector: shows typed methods, config and tasks.',
  config: {
    greeting: field.line({
      label: 'Greeting',
      description: 'The word to greet with',
      placeholder: 'Hello',
      optional: true,
      plain: true,
    }),
  },
  methods: (method) => ({
    hello: method({
      description: 'Say hello to someone',
      input: z.object({ name: z.string().min(1).default('world').describe('Who to greet') }),
      output: z.object({ message: z.string() }),
      examples: [{ input: { name: 'Ada' }, output: { message: 'Hello, Ada' } }],
      idempotent: true,
      handler: async ({ name }, ctx) => ({ message: `${ctx.config.greeting ?? 'Hello'}, ${name}` }),
    }),
    'tasks.remind': method({
      description: 'File a reminder task in the workspace',
      input: z.object({
        title: z.string().min(1).describe('What to be reminded of'),
        due: z.iso.date().optional().describe('Due date, YYYY-MM-DD'),
      }),
      output: z.object({ taskId: z.string() }),
      examples: [{ input: { title: 'Water the plants', due: '2026-12-01' } }],
      handler: async ({ title, due }, ctx) => {
        const taskId = await ctx.tasks.create('reminder', { title, ...(due === undefined ? {} : { due }) });
        ctx.logger.info({ taskId }, 'reminder filed');
        return { taskId };
      },
    }),
  }),
});
