import { WorkAbandoned } from '@app/clients';
import type { FastifyRequest } from 'fastify';

/** An AbortSignal that aborts when the request's connection closes, and the way to stop listening. */
export interface Abandonment {
  readonly signal: AbortSignal;
  /** Stops listening (a keep-alive socket serves many requests: listeners must not pile up on it). */
  release(): void;
  /** Throws WorkAbandoned when the connection is already gone: nothing is looked up, hashed or signed for it. */
  throwIfAbandoned(): void;
}

/**
 * Ties a request's work to its connection: under a flood of requests that their senders give up on, queued
 * hashing is dropped as soon as the socket closes, and nothing else is done for a closed one.
 */
export function abandonSignal(req: FastifyRequest): Abandonment {
  const socket = req.raw.socket;
  const controller = new AbortController();
  const onClose = (): void => controller.abort();
  if (!socket || socket.destroyed) controller.abort();
  else socket.once('close', onClose);
  return {
    signal: controller.signal,
    release: () => socket?.removeListener('close', onClose),
    throwIfAbandoned: () => {
      if (controller.signal.aborted) throw new WorkAbandoned();
    },
  };
}
