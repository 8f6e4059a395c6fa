import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import type { Clock, TimerHandle } from '../ports/clock';
import type { EventStore } from './event.store';

export interface FollowedSourceOptions {
  store: EventStore;
  sourceId: number;
  clock: Clock;
  intervalMs: number;
  /** After each poll (ok or failed): the source's state changed. */
  onChange?: () => void;
}

/**
 * What every followed log source shares (a remote file over SSH, getLog polling): poll on an interval,
 * never two polls at once (a "poll now" during a scheduled one waits for it), a failure leaves the source
 * `waiting` with its typed reason and the next poll tries again, and stop() aborts and waits for the poll
 * in flight. A subclass says only how one poll is done.
 */
export abstract class FollowedSource<R> {
  private timer: TimerHandle | undefined;
  private inFlight: Promise<unknown> | undefined;
  private readonly abort = new AbortController();
  private stopped = false;
  private queue: Promise<unknown> = Promise.resolve();

  protected constructor(
    private readonly base: FollowedSourceOptions,
    /** Why a poll in flight was cancelled by stop(), e.g. "getLog polling stopped." */
    private readonly stopReason: string,
  ) {}

  protected abstract poll(signal: AbortSignal): Promise<R>;

  start(): void {
    if (this.stopped || this.timer) return;
    const tick = () => {
      this.timer = undefined;
      if (this.stopped) return;
      this.inFlight = this.pollOnce(this.abort.signal)
        .then(
          () => this.base.store.setSourceState(this.base.sourceId, 'following'),
          (e: unknown) => {
            if (this.stopped) return;
            this.base.store.setSourceState(this.base.sourceId, 'waiting', `${e instanceof BaleenError ? e.code : 'E_INTERNAL'}: ${errorMessage(e)}`);
          },
        )
        .finally(() => {
          this.inFlight = undefined;
          this.base.onChange?.();
          if (!this.stopped) this.timer = this.base.clock.setTimeout(tick, this.base.intervalMs);
        });
    };
    tick();
  }

  /** One poll; polls never overlap. */
  pollOnce(signal: AbortSignal = this.abort.signal): Promise<R> {
    const run = this.queue.then(() => this.poll(signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.abort.abort(new BaleenError('E_CANCELLED', this.stopReason));
    await this.inFlight?.catch(() => undefined);
  }
}
