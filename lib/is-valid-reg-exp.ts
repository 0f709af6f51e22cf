/**
 * Whether a string compiles as a JavaScript regular expression: the one check behind every
 * pattern a user may give (LIVEWATCH_OPT_OUT_NAME_PATTERN, silence matchers). An invalid pattern is
 * reported by the caller's schema as an issue on its field, never thrown from here.
 */
export function isValidRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
