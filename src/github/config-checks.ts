/**
 * The configuration rules that involve more than one field (zod
 * refinements of the schema in `config-schema.ts`): agents listed once,
 * label names and prefixes distinct. The JSON Schema cannot express them;
 * `parseConfig` reports them with the field's path and line.
 */
import type * as z from 'zod'

/** GitHub login: letters, digits and single hyphens (max 39), or an app's `name[bot]`. */
export const LOGIN_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/

/**
 * Each agent listed once: a login listed again (case-insensitively, as GitHub
 * logins are) is reported at `agents[i].login`, naming the first listing.
 */
export function checkAgents(
  agents: { login: string }[],
  ctx: z.RefinementCtx<{ login: string }[]>,
): void {
  const seen = new Map<string, number>()
  agents.forEach((a, i) => {
    if (!LOGIN_PATTERN.test(a.login)) return // already reported
    const key = a.login.toLowerCase()
    const first = seen.get(key)
    if (first === undefined) seen.set(key, i)
    else {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'login'],
        message: `${a.login} is listed twice (also agents[${first}])`,
        input: a.login,
      })
    }
  })
}

/** The label names {@link checkLabels} compares. */
export interface LabelNames {
  task_label: string
  labels: Record<
    | 'status_prefix'
    | 'priority_prefix'
    | 'persona_prefix'
    | 'needs_person'
    | 'needs_answer'
    | 'requires_approval',
    string
  >
}

/**
 * Label names that cannot be told apart: a prefix that starts another
 * prefix, a label that starts with a prefix (it would be read as one of
 * those labels), or two labels with the same name (case-insensitively).
 */
export function checkLabels(c: LabelNames, ctx: z.RefinementCtx<LabelNames>): void {
  const stem = (p: string) => p.trimEnd().toLowerCase()
  const prefixes = (['status_prefix', 'priority_prefix', 'persona_prefix'] as const).map(
    (key) => [key, stem(c.labels[key])] as const,
  )
  for (const [key, p] of prefixes) {
    const other = prefixes.find(([k, q]) => k !== key && q.startsWith(p))
    if (other) {
      ctx.addIssue({
        code: 'custom',
        path: ['labels', key],
        message: `overlaps labels.${other[0]} ("${c.labels[other[0]]}"); prefixes must be distinct`,
        input: c.labels[key],
      })
    }
  }
  const names = [
    [['task_label'], c.task_label],
    [['labels', 'needs_person'], c.labels.needs_person],
    [['labels', 'needs_answer'], c.labels.needs_answer],
    [['labels', 'requires_approval'], c.labels.requires_approval],
  ] as const
  names.forEach(([path, name], i) => {
    const lower = name.toLowerCase()
    const clash = prefixes.find(([, p]) => lower.startsWith(p))
    const twin = names.slice(0, i).find(([, n]) => n.toLowerCase() === lower)
    if (clash) {
      ctx.addIssue({
        code: 'custom',
        path: [...path],
        message: `starts with labels.${clash[0]} ("${c.labels[clash[0]]}"), so it would be read as one of those labels`,
        input: name,
      })
    } else if (twin) {
      ctx.addIssue({
        code: 'custom',
        path: [...path],
        message: `is the same label as ${twin[0].join('.')}`,
        input: name,
      })
    }
  })
}
