import { useState } from 'react';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { ErrorText } from '../../components/state-views';
import { useConnectionActions } from '../connections';
import { dashboardHrefs } from './links';

type State = { status: 'idle' } | { status: 'loading' } | { status: 'error'; error: Pick<BaleenError, 'code' | 'message'> };

/** Starts the simulated demo replica set inside Baleen and opens its cluster dashboard. */
export function TryDemoButton() {
  const client = useClient();
  const { load } = useConnectionActions();
  const [state, setState] = useState<State>({ status: 'idle' });
  const start = async () => {
    setState({ status: 'loading' });
    try {
      const demo = await client.invoke('dashboards.startDemo', {});
      await load();
      setState({ status: 'idle' });
      window.location.hash = dashboardHrefs.cluster(demo.connectionId);
    } catch (e) {
      setState({ status: 'error', error: toBaleenError(e) });
    }
  };
  return (
    <div className="try-demo">
      <button type="button" onClick={() => void start()} disabled={state.status === 'loading'}>
        Try the demo
      </button>{' '}
      <span className="muted">A simulated three-member replica set on this machine, with a changing workload and an election every few minutes.</span>
      {state.status === 'loading' ? <p role="status">Starting the simulated replica set…</p> : null}
      {state.status === 'error' ? (
        <p role="alert" className="form-error">
          <ErrorText error={state.error} />
        </p>
      ) : null}
    </div>
  );
}
