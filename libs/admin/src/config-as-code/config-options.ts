import { InvalidAdminRequest, InvalidClientMetadata } from '../errors/admin-errors';
import type { DesiredState } from './desired-state';

export type PruneMode = 'delete' | 'disable';

/** `prune=delete|disable` (the CLI's `--prune` and `--prune=disable`); absent: nothing is pruned. */
export function pruneMode(value: unknown): PruneMode | undefined {
  if (value === undefined) return undefined;
  if (value === 'delete' || value === 'disable') return value;
  throw new InvalidAdminRequest([{ field: 'prune', message: 'prune must be delete or disable' }]);
}

/** Pruning removes the clients labelled with the file's managed_by; a file without one owns nothing to prune. */
export function checkPrunable(doc: DesiredState, prune: PruneMode | undefined): void {
  if (prune !== undefined && doc.managed_by === undefined) {
    throw new InvalidClientMetadata([
      { field: 'managed_by', message: 'prune removes the clients labelled with managed_by: the file must set it' },
    ]);
  }
}
