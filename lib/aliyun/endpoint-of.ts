import type { Config } from '../config/config.js';
import type { Product } from './actions.js';

/**
 * The host (or host:port) to call for a product and region. The SDK does no endpoint resolution,
 * so this is always explicit: Live uses one host for every live center (the `Region` parameter
 * picks the center); ICE is regional, `{region}` in LIVEWATCH_ICE_ENDPOINT is replaced (its SDK map
 * would send most regions to ice.aliyuncs.com).
 */
export function endpointOf(
  config: Pick<Config, 'LIVEWATCH_LIVE_ENDPOINT' | 'LIVEWATCH_ICE_ENDPOINT'>,
  product: Product,
  region: string,
): string {
  return product === 'live'
    ? config.LIVEWATCH_LIVE_ENDPOINT
    : config.LIVEWATCH_ICE_ENDPOINT.replaceAll('{region}', region);
}
