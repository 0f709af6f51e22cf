import * as OpenApiSdk from '@alicloud/openapi-client';

/** The `@alicloud/openapi-client` client class, as both the Live/ICE client and the FC invoker use it. */
export type OpenApiClass = typeof OpenApiSdk.default.default;

/**
 * The SDK's client class is a CommonJS `exports.default`. Node's ESM loader (and an esbuild bundle
 * for Node) hands over `module.exports`, with the class on `.default`; vitest applies `__esModule`
 * interop and hands over the class itself. Accept both.
 */
function resolveClientClass(): OpenApiClass {
  const exported: unknown = OpenApiSdk.default;
  return (
    typeof exported === 'function' ? exported : (exported as { default: unknown }).default
  ) as OpenApiClass;
}

export const OpenApi = resolveClientClass();
