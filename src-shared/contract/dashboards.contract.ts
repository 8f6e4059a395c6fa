import { z } from 'zod';
import { defineService, method } from './define';

/**
 * What the dashboards need beyond the metric store: the demo (a simulated three-member replica set
 * under a varying workload, started inside Baleen so a newcomer sees every dashboard working).
 */
export const DemoInfo = z.object({
  connectionId: z.string(),
  name: z.string(),
  setName: z.string(),
  members: z.array(z.string()),
  /** Seconds between the elections the demo holds. */
  electionEverySecs: z.number(),
});
export type DemoInfo = z.infer<typeof DemoInfo>;

export const dashboardsContract = defineService('dashboards', {
  /** Starts the demo set (once; later calls return the running one) and adds it as a connection. */
  startDemo: method(z.object({}).strict(), DemoInfo),
});
