/**
 * The regions a listing command reads: the one `--region` names, or the configured ones; a region
 * not in `known` prints why and yields exit code 2 before anything is read.
 */
export function regionsOf(
  command: string,
  flag: string | undefined,
  known: readonly string[],
  configured: readonly string[],
): readonly string[] | number {
  if (flag === undefined) return configured;
  if (!known.includes(flag)) {
    console.error(`livewatch ${command}: --region must be one of ${known.join(', ')}`);
    return 2;
  }
  return [flag];
}
