import type { FcContext } from '../../lib/fc/fc-context.js';

/** A function module's `handler` export: FC hands every trigger's event as a Buffer. */
export type FcHandler = (event: Buffer, context: FcContext) => Promise<unknown>;
