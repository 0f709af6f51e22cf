import { z } from 'zod';

/**
 * What `s deploy` needs besides the functions' settings: the values s.yaml's `vars` read from the
 * deploying shell. They shape the FC resources (region, role, VPC, log project) and never reach the
 * functions, so they live here rather than in the functions' schema (config.ts).
 */
export const DeploySettingsSchema = z.object({
  LIVEWATCH_FC_REGION: z
    .string()
    .regex(/^[a-z]{2}-[a-z0-9-]+$/, 'must be a region id such as cn-shanghai')
    .default('cn-shanghai'),
  /** A role name (expanded with the account id by the fc3 component) or a full ARN. */
  LIVEWATCH_FC_ROLE: z
    .string()
    .regex(
      /^(acs:ram::\d+:role\/)?[A-Za-z0-9.-]{1,64}$/,
      'must be a RAM role name or acs:ram::<account>:role/<name>',
    )
    .default('livewatch-fc-role'),
  LIVEWATCH_VPC_ID: z.string().regex(/^vpc-[a-z0-9]+$/, 'must be the id of your VPC (vpc-…)'),
  LIVEWATCH_VSWITCH_ID: z
    .string()
    .regex(/^vsw-[a-z0-9]+$/, 'must be the id of a vSwitch of that VPC (vsw-…)'),
  LIVEWATCH_SECURITY_GROUP_ID: z
    .string()
    .regex(/^sg-[a-z0-9]+$/, 'must be the id of a security group of that VPC (sg-…)'),
  /**
   * The SLS project the functions log to (logstore `livewatch`). docs/ram-policy.json grants
   * PostLogStoreLogs on `project/livewatch-*`, hence the prefix; SLS names are 3–63 of [a-z0-9-].
   */
  LIVEWATCH_LOG_PROJECT: z
    .string()
    .regex(
      /^livewatch-[a-z0-9-]{0,51}[a-z0-9]$/,
      'must start with livewatch- (the RAM policy grants log writes there) and be 3–63 of [a-z0-9-]',
    ),
  /** NODE_OPTIONS of the functions, e.g. --enable-source-maps after `npm run build -- --sourcemap`. */
  LIVEWATCH_NODE_OPTIONS: z.string().optional(),
});

/** The s.yaml `vars` settings, by name (README "Deploying"). */
export const DEPLOY_SETTING_NAMES: readonly string[] = Object.keys(DeploySettingsSchema.shape);

/**
 * Settings of the functions' schema that s.yaml deliberately does not pass, and why. Every other
 * setting reaches all three functions (test/integration/deploy-s-yaml.test.ts proves it).
 */
export const LOCAL_ONLY_SETTINGS: Readonly<Record<string, string>> = {
  ALIBABA_CLOUD_ACCESS_KEY_ID:
    'FC sets it to the function role’s STS key; the functions sign with the role, no AccessKey is deployed',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'FC sets it to the function role’s STS secret',
  ALIBABA_CLOUD_SECURITY_TOKEN: 'FC sets it to the function role’s STS token',
  LIVEWATCH_PORT: 'the port of the local FC host (npm start)',
  LIVEWATCH_LOCAL_INVOKER_URL:
    'the invoker of a running npm start (livewatch sweep --invoke); in FC, FC invokes',
  LIVEWATCH_LOCAL_INVOKER_TOKEN: 'the bearer token of that local invoker, made per start',
};

/**
 * Settings s.yaml fixes itself instead of reading them from the shell, with the value it sets:
 * the alert function's name is also that function's `functionName` there.
 */
export const FIXED_BY_S_YAML: Readonly<Record<string, string>> = {
  LIVEWATCH_ALERT_FUNCTION: 'livewatch-alert',
};

/** FC's limit on all environment variables of a function together (https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables). */
export const FC_ENVIRONMENT_LIMIT_BYTES = 4 * 1024;

/** Defaults s.yaml gives where the shell sets nothing, when they differ from config.ts's. */
export const S_YAML_DEFAULTS: Readonly<Record<string, string>> = {
  // A first deploy only watches and reports ("would restart …"); set LIVEWATCH_DRY_RUN=false to act.
  LIVEWATCH_DRY_RUN: 'true',
};
