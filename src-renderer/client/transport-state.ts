/**
 * How the renderer's link to Baleen's core is doing, for the "Reconnecting to Baleen…" banner.
 * `epoch` counts the connections opened so far: it changes exactly when a new connection opens, so
 * views key their fetches on it to reload what they missed while disconnected.
 */
export type TransportState =
  | { status: 'connecting'; epoch: 0 }
  | { status: 'open'; epoch: number }
  | { status: 'reconnecting'; epoch: number; attempt: number; retryAt: number; reason: string }
  | { status: 'closed'; epoch: number; reason: string };

export interface TransportStateSource {
  getState(): TransportState;
  subscribe(listener: (state: TransportState) => void): () => void;
}

/** Electron IPC has no connection to lose: always open. */
export const ALWAYS_OPEN: TransportStateSource = {
  getState: () => OPEN_STATE,
  subscribe: () => () => {},
};
const OPEN_STATE: TransportState = { status: 'open', epoch: 1 };
