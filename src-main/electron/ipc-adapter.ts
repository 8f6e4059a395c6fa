import type { Dispatcher, Session } from '../rpc';
import { APP_ORIGIN, isAppUrl, originOf } from './security';

/**
 * Electron IPC transport for the contract. Every frame's sender is checked (SEC-E4): it must be the
 * top frame of a window showing our own `app://baleen` origin. Anything else (a foreign origin, no
 * frame, a sub-frame) is refused with a typed error and an audit record, and never reaches a handler.
 */
export const IPC_CHANNEL = 'baleen:rpc';

export interface IpcFrameLike {
  url: string;
  parent: unknown;
}
export interface IpcSenderLike {
  id: number;
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}
export interface IpcEventLike {
  senderFrame: IpcFrameLike | null;
  sender: IpcSenderLike;
  reply(channel: string, payload: unknown): void;
}
export interface IpcMainLike {
  on(channel: string, listener: (event: IpcEventLike, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: IpcEventLike, payload: unknown) => void): unknown;
}

export type SenderVerdict = { ok: true } | { ok: false; reason: string; origin: string };

export function checkSender(frame: IpcFrameLike | null): SenderVerdict {
  if (frame === null) return { ok: false, reason: 'no sender frame (it was destroyed or navigated away)', origin: 'null' };
  const origin = originOf(frame.url) ?? 'null';
  if (!isAppUrl(frame.url)) return { ok: false, reason: `sender origin ${origin} is not ${APP_ORIGIN}`, origin };
  if (frame.parent !== null) return { ok: false, reason: 'sender is a sub-frame', origin };
  return { ok: true };
}

export interface IpcAdapterDeps {
  ipcMain: IpcMainLike;
  dispatcher: Dispatcher;
  onRejected(info: { reason: string; origin: string; channel: string }): void;
}

export function attachIpc(deps: IpcAdapterDeps): () => void {
  const sessions = new Map<number, Session>();

  const sessionFor = (sender: IpcSenderLike): Session => {
    let s = sessions.get(sender.id);
    if (!s) {
      s = deps.dispatcher.openSession(
        (frame) => {
          if (!sender.isDestroyed()) sender.send(IPC_CHANNEL, frame);
        },
        { transport: 'ipc', origin: APP_ORIGIN },
      );
      sessions.set(sender.id, s);
      sender.once('destroyed', () => {
        sessions.get(sender.id)?.close();
        sessions.delete(sender.id);
      });
    }
    return s;
  };

  const listener = (event: IpcEventLike, payload: unknown) => {
    const verdict = checkSender(event.senderFrame);
    if (!verdict.ok) {
      const p = payload as { t?: unknown; id?: unknown; ch?: unknown } | null;
      deps.onRejected({ reason: verdict.reason, origin: verdict.origin, channel: typeof p?.ch === 'string' ? p.ch.slice(0, 128) : '?' });
      if (p?.t === 'call' && typeof p.id === 'string' && p.id.length <= 64) {
        event.reply(IPC_CHANNEL, { t: 'error', id: p.id, err: { code: 'E_NOT_AUTHORIZED', message: 'Refused: this frame may not call Baleen.' } });
      }
      return;
    }
    sessionFor(event.sender).receive(payload);
  };

  deps.ipcMain.on(IPC_CHANNEL, listener);
  return () => {
    deps.ipcMain.removeListener(IPC_CHANNEL, listener);
    for (const s of sessions.values()) s.close();
    sessions.clear();
  };
}
