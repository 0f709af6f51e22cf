import type { Config } from '../config/config.js';
import { ConfigError } from '../errors.js';
import type { Credentials } from '../ports/credentials.js';

/** The AccessKey pair (and STS token) from the settings, or undefined when none is configured. */
export function credentialsFromConfig(
  config: Pick<
    Config,
    'ALIBABA_CLOUD_ACCESS_KEY_ID' | 'ALIBABA_CLOUD_ACCESS_KEY_SECRET' | 'ALIBABA_CLOUD_SECURITY_TOKEN'
  >,
): Credentials | undefined {
  const accessKeyId = config.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = config.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) return undefined;
  const securityToken = config.ALIBABA_CLOUD_SECURITY_TOKEN;
  return securityToken ? { accessKeyId, accessKeySecret, securityToken } : { accessKeyId, accessKeySecret };
}

/** Like credentialsFromConfig, but a ConfigError naming both variables when they are not set. */
export function requireCredentials(
  config: Pick<
    Config,
    'ALIBABA_CLOUD_ACCESS_KEY_ID' | 'ALIBABA_CLOUD_ACCESS_KEY_SECRET' | 'ALIBABA_CLOUD_SECURITY_TOKEN'
  >,
): Credentials {
  const credentials = credentialsFromConfig(config);
  if (credentials) return credentials;
  // Name both variables: the loader already rejects one without the other, so here both are missing.
  throw new ConfigError([
    {
      variable: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
      message: 'is not set: Alibaba Cloud API calls need an AccessKey',
    },
    {
      variable: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
      message: 'is not set: Alibaba Cloud API calls need an AccessKey',
    },
  ]);
}
