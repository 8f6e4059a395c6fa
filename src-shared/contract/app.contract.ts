import { z } from 'zod';
import { defineService, method } from './define';

export const AppInfo = z.object({
  version: z.string(),
  startedAt: z.number(),
  dataDir: z.string(),
  /** Which transport the renderer is talking through. */
  shell: z.enum(['electron', 'web', 'memory']),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const appContract = defineService('app', {
  info: method(z.object({}).strict(), AppInfo),
});
