import { z } from 'zod';
import { ErrorEnvelope } from '../domain/errors';

/** Frames exchanged by every transport (WebSocket bridge, Electron IPC, in-memory). */
const CallId = z.string().min(1).max(64);
const Channel = z.string().min(1).max(128);

export const ClientFrame = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: CallId, ch: Channel, in: z.unknown() }),
  z.object({ t: z.literal('cancel'), id: CallId }),
  z.object({ t: z.literal('sub'), ch: Channel }),
  z.object({ t: z.literal('unsub'), ch: Channel }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export const ServerFrame = z.discriminatedUnion('t', [
  z.object({ t: z.literal('result'), id: CallId, out: z.unknown() }),
  z.object({ t: z.literal('error'), id: CallId, err: ErrorEnvelope }),
  z.object({ t: z.literal('event'), ch: Channel, payload: z.unknown() }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
