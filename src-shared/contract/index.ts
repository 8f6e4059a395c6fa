import type { z } from 'zod';
import { appContract } from './app.contract';
import { connectionsContract } from './connections.contract';
import { dashboardsContract } from './dashboards.contract';
import { eventsContract } from './events.contract';
import { explainContract } from './explain.contract';
import { ftdcContract } from './ftdc.contract';
import { logsContract } from './logs.contract';
import { metricsContract } from './metrics.contract';
import { settingsContract } from './settings.contract';
import { flatten, type FlatEvents, type FlatMethods } from './define';

/** THE API: every service the renderer can reach. Add a service here and nowhere else. */
export const SERVICES = [appContract, connectionsContract, metricsContract, settingsContract, dashboardsContract, ftdcContract, logsContract, eventsContract, explainContract] as const;

export type Methods = FlatMethods<typeof SERVICES>;
export type Events = FlatEvents<typeof SERVICES>;
export type MethodName = keyof Methods & string;
export type EventName = keyof Events & string;

export const CONTRACT = flatten(SERVICES) as { methods: Methods; events: Events };
export const METHOD_NAMES = Object.keys(CONTRACT.methods) as MethodName[];
export const EVENT_NAMES = Object.keys(CONTRACT.events) as EventName[];

/** What the caller passes (before defaults/transforms) and what the handler receives (after). */
export type Input<C extends MethodName> = z.input<Methods[C]['input']>;
export type ParsedInput<C extends MethodName> = z.output<Methods[C]['input']>;
export type Output<C extends MethodName> = z.output<Methods[C]['output']>;
export type OutputIn<C extends MethodName> = z.input<Methods[C]['output']>;
export type Payload<E extends EventName> = z.output<Events[E]>;

export const isMethodName = (s: string): s is MethodName => Object.hasOwn(CONTRACT.methods, s);
export const isEventName = (s: string): s is EventName => Object.hasOwn(CONTRACT.events, s);

export * from './app.contract';
export * from './connections.contract';
export * from './metrics.contract';
export * from './settings.contract';
export * from './dashboards.contract';
export * from './ftdc.contract';
export * from './logs.contract';
export * from './events.contract';
export * from './explain.contract';
export { ClientFrame, ServerFrame } from './wire';
