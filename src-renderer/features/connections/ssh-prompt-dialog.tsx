import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { SshPromptEvent } from '../../../src-shared/contract';
import { useClient } from '../../client';

/**
 * An SSH server's keyboard-interactive questions (a one-time password on a bastion), from whichever
 * connection asked: one dialog at a time, answers typed into password fields (unless the server says
 * the answer may be shown) and sent once to the core, which hands them to the SSH server only.
 */
export function SshPromptDialog() {
  const client = useClient();
  const [queue, setQueue] = useState<SshPromptEvent[]>([]);

  useEffect(() => {
    const offAsk = client.on('connections.sshPrompt', (q) => setQueue((x) => [...x.filter((y) => y.id !== q.id), q]));
    const offDone = client.on('connections.sshPromptDone', ({ id }) => setQueue((x) => x.filter((y) => y.id !== id)));
    return () => {
      offAsk();
      offDone();
    };
  }, [client]);

  const q = queue[0];
  if (!q) return null;
  return <PromptForm key={q.id} prompt={q} onClosed={() => setQueue((x) => x.filter((y) => y.id !== q.id))} />;
}

function PromptForm({ prompt, onClosed }: { prompt: SshPromptEvent; onClosed(): void }) {
  const client = useClient();
  const titleId = useId();
  const inputs = useRef<(HTMLInputElement | null)[]>([]);
  const [sending, setSending] = useState(false);
  useEffect(() => inputs.current[0]?.focus(), []);

  async function send(answers: string[] | null) {
    setSending(true);
    try {
      await client.invoke('connections.answerSshPrompt', { id: prompt.id, answers });
    } finally {
      // The values live only in the inputs, which go with the dialog.
      onClosed();
    }
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void send(inputs.current.slice(0, prompt.prompts.length).map((i) => i?.value ?? ''));
  };

  return (
    <div className="modal-backdrop">
      <form className="modal ssh-prompt" role="dialog" aria-modal="true" aria-labelledby={titleId} onSubmit={submit}>
        <h2 id={titleId}>
          SSH login: {prompt.username}@{prompt.host}:{prompt.port} (hop {prompt.hop})
        </h2>
        {prompt.name ? <p>{prompt.name}</p> : null}
        {prompt.instructions ? <p className="muted">{prompt.instructions}</p> : null}
        {prompt.prompts.map((p, i) => (
          <label key={i} className="field">
            <span>{p.prompt.trim() || `Answer ${i + 1}`}</span>
            <input
              ref={(el) => {
                inputs.current[i] = el;
              }}
              type={p.echo ? 'text' : 'password'}
              autoComplete="one-time-code"
              disabled={sending}
            />
          </label>
        ))}
        <div className="actions">
          <button type="submit" disabled={sending}>
            Send
          </button>
          <button type="button" disabled={sending} onClick={() => void send(null)}>
            Cancel login
          </button>
        </div>
      </form>
    </div>
  );
}
