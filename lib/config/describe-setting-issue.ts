import type { z } from 'zod';
import type { SettingIssue } from '../errors.js';
import { redact } from '../redact.js';

/**
 * One settings problem as a person fixes it: the variable, the rule in words, and the value it had
 * (`LIVEWATCH_SWEEP_BUDGET_MS: must be a whole number ≥ 1000, got "fast"`). A secret's value is
 * never echoed (only its length); any other value goes through `redact`, so a webhook token or a
 * store password inside a URL is masked too.
 */
export function describeSettingIssue(
  issue: z.core.$ZodIssue,
  env: Readonly<Record<string, string | undefined>>,
  range: (variable: string) => NumberRange | undefined,
): SettingIssue {
  const variable = String(issue.path[0] ?? '(settings)');
  const raw = env[variable];
  const item = issue.path.length > 1 ? Number(issue.path[1]) : undefined;
  const value = item === undefined ? raw : listItems(raw)[item];
  const where = item === undefined ? '' : `item ${item + 1}: `;
  return { variable, message: `${where}${ruleOf(issue, range(variable))}${echo(variable, value)}` };
}

export interface NumberRange {
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** Whole numbers only. */
  readonly whole?: boolean;
}

/** Names of settings whose value is a secret in itself (not a URL that merely carries one). */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD/;

function echo(variable: string, value: string | undefined): string {
  if (value === undefined) return ' (not set)';
  if (SECRET_NAME.test(variable)) return `, got a value of ${value.length} characters (masked)`;
  return `, got ${JSON.stringify(redact(value))}`;
}

function listItems(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** zod's words ("Invalid input: expected number, received NaN") turned into the rule. */
function ruleOf(issue: z.core.$ZodIssue, range: NumberRange | undefined): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'number' || issue.expected === 'int') {
        return numberRule(issue.expected === 'int' || range?.whole ? 'int' : 'number', range);
      }
      return `must be a ${issue.expected}`;
    case 'too_small':
    case 'too_big':
      if (issue.origin === 'number')
        return numberRule(range?.whole === false ? 'number' : 'int', range ?? boundOf(issue));
      return issue.message;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'must be a URL (https://…)' : issue.message;
    default:
      return issue.message;
  }
}

function boundOf(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): NumberRange {
  return issue.code === 'too_small'
    ? { min: Number(issue.minimum), max: undefined }
    : { min: undefined, max: Number(issue.maximum) };
}

function numberRule(kind: 'number' | 'int', range: NumberRange | undefined): string {
  const noun = kind === 'int' ? 'a whole number' : 'a number';
  const min = range?.min;
  const max = range?.max !== undefined && range.max < Number.MAX_SAFE_INTEGER ? range.max : undefined;
  if (min !== undefined && max !== undefined) return `must be ${noun} from ${min} to ${max}`;
  if (min !== undefined) return `must be ${noun} ≥ ${min}`;
  if (max !== undefined) return `must be ${noun} ≤ ${max}`;
  return `must be ${noun}`;
}
