import { z } from 'zod';

/**
 * The one definition of a valid relay TaskId, used at every edge (the callback receiver and the API
 * client's request validation): what DescribeLivePullToPush / RestartLivePullToPush accept —
 * letters, digits, `_` and `-`, at most 55 characters (docs/callback.md). A callback naming any other
 * id could never be verified, so it is refused with 400 instead of being retried for ever.
 */
export const TaskIdSchema = z
  .string({ error: 'is required' })
  .min(1, 'is required')
  .max(55, 'must be at most 55 characters')
  .regex(/^[A-Za-z0-9_-]*$/, 'may contain only letters, digits, _ and -');
