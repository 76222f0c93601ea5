/** The node this dashboard belongs to (GET /api/node at login), for every page. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { NodeView } from '../api/contract.js';

export const NodeContext = createContext<NodeView | undefined>(undefined);

export function useNode(): NodeView | undefined {
  return useContext(NodeContext);
}
