import { useEffect, useState } from 'react';
import type { LogNode } from '../../src-shared/contract';
import { useClient } from '../client';

/** The nodes that have log events, for the log views' node filters (empty until loaded, or if it fails). */
export function useLogNodes(): LogNode[] {
  const client = useClient();
  const [nodes, setNodes] = useState<LogNode[]>([]);
  useEffect(() => {
    let live = true;
    client.invoke('logs.nodes', {}).then(
      (n) => live && setNodes(n),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client]);
  return nodes;
}

/** "Node: All nodes | <node>…" — one node or all, as the slow-query, client and incident views filter. */
export function LogNodeFilter({ value, onChange }: { value: string; onChange: (node: string) => void }) {
  const nodes = useLogNodes();
  return (
    <label>
      Node
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All nodes</option>
        {nodes.map((n) => (
          <option key={n.name} value={n.name}>
            {n.label}
          </option>
        ))}
      </select>
    </label>
  );
}
