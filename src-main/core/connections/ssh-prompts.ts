import { randomUUID } from 'node:crypto';
import type { EventBus } from '../events';
import type { Clock } from '../ports/clock';
import type { HopRef, KeyboardInteractivePrompt } from '../tunnels';

/**
 * Keyboard-interactive prompts (one-time passwords on a bastion) round-trip through the contract: the
 * question goes out as a `connections.sshPrompt` event, the UI answers with `connections.answerSshPrompt`.
 * Answers go to the SSH server only: never into an event, a log line or an audit row. A prompt nobody
 * answers expires, and the login fails with "nothing was available" rather than hanging.
 */
export const SSH_PROMPT_TIMEOUT_MS = 120_000;

interface Pending {
  resolve(answers: string[] | undefined): void;
  count: number;
}

export class SshPromptBroker {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly timeoutMs = SSH_PROMPT_TIMEOUT_MS,
  ) {}

  ask(connectionId: string, req: HopRef & { name: string; instructions: string; prompts: KeyboardInteractivePrompt[] }, signal: AbortSignal): Promise<string[] | undefined> {
    // Nobody could answer: fail the method now instead of waiting out the timeout.
    if (this.bus.listenerCount('connections.sshPrompt') === 0 || signal.aborted) return Promise.resolve(undefined);
    const id = randomUUID();
    return new Promise((resolve) => {
      const finish = (answers: string[] | undefined) => {
        if (!this.pending.delete(id)) return;
        timer.cancel();
        signal.removeEventListener('abort', onAbort);
        this.bus.emit('connections.sshPromptDone', { id });
        resolve(answers);
      };
      const onAbort = () => finish(undefined);
      const timer = this.clock.setTimeout(() => finish(undefined), this.timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { resolve: finish, count: req.prompts.length });
      this.bus.emit('connections.sshPrompt', {
        id,
        connectionId,
        hop: req.hop,
        host: req.host,
        port: req.port,
        username: req.username,
        name: req.name.slice(0, 200),
        instructions: req.instructions.slice(0, 2000),
        prompts: req.prompts.slice(0, 20).map((p) => ({ prompt: p.prompt.slice(0, 500), echo: p.echo })),
        expiresAt: this.clock.now() + this.timeoutMs,
      });
    });
  }

  /** The UI's answer; false if the prompt is gone (answered elsewhere, expired) or the count is wrong. */
  answer(id: string, answers: string[] | null): boolean {
    const p = this.pending.get(id);
    if (!p) return false;
    if (answers !== null && answers.length !== p.count) return false;
    p.resolve(answers ?? undefined);
    return true;
  }

  get waiting(): number {
    return this.pending.size;
  }

  dispose(): void {
    for (const p of [...this.pending.values()]) p.resolve(undefined);
  }
}
