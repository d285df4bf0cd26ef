/**
 * Reading an issue into the engine: an issue with the task label (or opened
 * from the task form) is a task; its body's `### Depends on`, `### Success
 * criteria` and `### Subtasks` task lists and the form's fields give its
 * dependencies, criteria, subtasks, priority, persona, estimate and deadline.
 * Editing the body re-reads them. An issue a task depends on that is not a
 * task itself is tracked: blocked until it is closed as completed.
 */
import { isTaskError, TaskError } from '../core/errors.js'
import { type Criterion, isPersona, PRIORITIES, type Priority } from '../core/model.js'
import type { Config } from '../github/config.js'
import { FORM_FIELDS, type IssueBody, parseIssueBody } from '../github/issue-body.js'
import { parseLabels } from '../github/labels.js'
import type { IssueRef } from '../github/references.js'
import type { AppRuntime, RepoRef } from './runtime.js'
import type { IssueRecord } from './state.js'

/** The parts of a webhook `issue` object the app reads. */
export interface IssuePayload {
  id: number
  number: number
  title: string
  body?: string | null
  state?: string
  state_reason?: string | null
  labels?: ({ name?: string } | string)[]
  assignees?: ({ login: string } | null)[] | null
  /** When GitHub last changed the issue (ISO-8601). */
  updated_at?: string
}

/** Label names of an issue payload. */
export function labelNames(issue: IssuePayload): string[] {
  return (issue.labels ?? [])
    .map((l) => (typeof l === 'string' ? l : (l.name ?? '')))
    .filter(Boolean)
}

/** True when the issue is a task: it carries the task label. */
export function isTaskIssue(issue: IssuePayload, config: Config): boolean {
  return labelNames(issue).some((l) => l.toLowerCase() === config.task_label.toLowerCase())
}

/** What reading an issue changed, for the caller's replies and mirror. */
export interface SyncResult {
  taskId: string
  created: boolean
  /** Refusals worth telling the issue about (cycles, bad criteria, …). */
  problems: string[]
  /** Tasks whose status comment should be refreshed. */
  touched: Set<string>
  /** Dependencies as issue references, for mirroring to native `blocked_by`. */
  dependsOn: IssueRef[]
}

/**
 * The task fields an issue's body and labels give: priority and persona (the
 * form's field, else the label), estimate in hours (positive), deadline (a
 * date `Date.parse` reads) and the form's description (`''` when the body is
 * not from the form). Absent fields are `undefined`.
 */
export function fieldsOf(body: IssueBody, labels: string[], config: Config) {
  const f = body.fields
  const key = (name: string) => name.toLowerCase()
  const fromLabels = parseLabels(labels, config)
  const priorityText = (f[key(FORM_FIELDS.priority)] ?? '').trim().toLowerCase()
  const priority: Priority | undefined = (PRIORITIES as readonly string[]).includes(priorityText)
    ? (priorityText as Priority)
    : (fromLabels.priority ?? undefined)
  const personaText = (f[key(FORM_FIELDS.persona)] ?? '').trim().toLowerCase()
  const persona = isPersona(personaText) ? personaText : (fromLabels.persona ?? undefined)
  const estimate = Number.parseFloat(f[key(FORM_FIELDS.estimate)] ?? '')
  const deadline = (f[key(FORM_FIELDS.deadline)] ?? '').trim()
  // The form's checkbox ("- [X] …") or the `requires approval` label. Only ever
  // sets the checkpoint: unticking or removing the label does not lift it
  // (anyone with triage can edit labels); `tm update --no-requires-approval` does.
  const approvalTicked = /^\s*[-*]\s*\[[xX]\]/m.test(f[key(FORM_FIELDS.requiresApproval)] ?? '')
  return {
    requires_approval: approvalTicked || fromLabels.requiresApproval ? true : undefined,
    priority,
    persona,
    estimated_hours: Number.isFinite(estimate) && estimate > 0 ? estimate : undefined,
    deadline: deadline && !Number.isNaN(Date.parse(deadline)) ? deadline : undefined,
    description: f[key(FORM_FIELDS.description)] ?? '',
  }
}

/** Why a tracked issue (one a task depends on, not a task itself) is blocked. */
export const TRACKED_REASON = 'tracked issue: completes when the issue is closed as completed'

/** The title of the task of a tracked issue: its reference, `owner/repo#12`. */
export function trackedTitle(ref: IssueRef): string {
  return `${ref.owner}/${ref.repo}#${ref.number}`
}

/**
 * Title and description of the task of `issue`: the title cut to 300
 * characters (`Issue #N` when empty); the form's description, else the whole
 * body, cut to 65,536 characters.
 */
export function titleAndDescription(
  issue: Pick<IssuePayload, 'number' | 'title' | 'body'>,
  formDescription: string,
): { title: string; description: string } {
  return {
    title: issue.title.slice(0, 300) || `Issue #${issue.number}`,
    description: (formDescription || (issue.body ?? '')).slice(0, 65_536),
  }
}

/** Make sure an issue a task depends on (or a subtask) exists as a task; returns its id. */
export function ensureTracked(
  rt: AppRuntime,
  ref: IssueRef,
  installationId: number | null,
): string {
  const id = rt.taskId({ owner: ref.owner, repo: ref.repo }, ref.number)
  if (rt.state.issue(id)) return id
  try {
    rt.engine.get(id)
  } catch (err) {
    if (!isTaskError(err, 'TaskNotFound')) throw err
    // Its own repository's max_attempts, when that config is known.
    rt.engine.add({ id, title: trackedTitle(ref) }, 'github', rt.policyOf(id))
    rt.engine.block(id, TRACKED_REASON, 'github')
  }
  rt.state.saveIssue(
    newRecord(
      rt,
      id,
      { owner: ref.owner, repo: ref.repo },
      ref.number,
      null,
      installationId,
      false,
    ),
  )
  return id
}

/** A fresh bookkeeping record. */
export function newRecord(
  rt: AppRuntime,
  taskId: string,
  r: RepoRef,
  number: number,
  issue: IssuePayload | null,
  installationId: number | null,
  isTask: boolean,
): IssueRecord {
  return {
    task_id: taskId,
    repo: rt.repoKey(r),
    number,
    issue_id: issue?.id ?? null,
    installation_id: installationId,
    is_task: isTask,
    state: issue?.state === 'closed' ? 'closed' : 'open',
    state_reason: issue?.state_reason ?? null,
    labels: issue ? labelNames(issue) : [],
    assignees: (issue?.assignees ?? []).flatMap((a) => (a ? [a.login] : [])),
    body: issue?.body ?? '',
    accepted_body: issue?.body ?? '',
    status_comment_id: null,
    status_comment: null,
    status_dirty: isTask,
    native_blocked_by: [],
    github_updated_at: issue?.updated_at ?? null,
    updated_at: rt.now(),
  }
}

/**
 * Create or update the task of `issue` from its title, labels and body, in
 * one transaction. Dependency edges that would close a cycle are refused and
 * reported in `problems` (the rest still applies); so are bad criteria.
 * `issue.body` must be a body the app accepts (an edit already judged, see
 * `body-edits.ts`): it becomes the record's accepted body, and GitHub's copy
 * until the caller records that GitHub holds another.
 */
export function syncTaskFromIssue(
  rt: AppRuntime,
  r: RepoRef,
  issue: IssuePayload,
  config: Config,
  installationId: number | null,
  actor: string,
): SyncResult {
  const taskId = rt.taskId(r, issue.number)
  const context = { owner: r.owner, repo: r.repo, ...(rt.host ? { host: rt.host } : {}) }
  const body = parseIssueBody(issue.body ?? '', context)
  const labels = labelNames(issue)
  const fields = fieldsOf(body, labels, config)
  const problems = [...body.problems]
  const touched = new Set<string>([taskId])
  const criteria: Criterion[] = body.criteria.map((c) => ({
    criterion: c.criterion,
    ...(c.measurable ? { measurable: c.measurable } : {}),
  }))
  return rt.engine.write(() => {
    const existing = rt.state.issue(taskId)
    let created = false
    let record: IssueRecord
    const patch = {
      ...titleAndDescription(issue, fields.description),
      ...(fields.priority ? { priority: fields.priority } : {}),
      ...(fields.persona ? { persona: fields.persona } : {}),
      ...(fields.estimated_hours ? { estimated_hours: fields.estimated_hours } : {}),
      ...(fields.deadline ? { deadline: fields.deadline } : {}),
      ...(fields.requires_approval ? { requires_approval: true } : {}),
    }
    const applyCriteria = () => {
      try {
        rt.engine.update(taskId, { success_criteria: criteria }, actor)
      } catch (err) {
        if (!isTaskError(err)) throw err
        problems.push(`Success criteria not updated: ${err.message}`)
      }
    }
    if (!existing?.is_task) {
      let exists = true
      try {
        rt.engine.get(taskId)
      } catch (err) {
        if (!isTaskError(err, 'TaskNotFound')) throw err
        exists = false
      }
      if (exists) {
        // A tracked issue became a task: lift the tracking block.
        rt.engine.update(taskId, patch, actor)
        try {
          rt.engine.unblock(taskId, actor)
        } catch (err) {
          if (!isTaskError(err)) throw err
        }
      } else {
        rt.engine.add({ id: taskId, ...patch }, actor, rt.policy(config))
      }
      applyCriteria()
      created = true
      record = newRecord(rt, taskId, r, issue.number, issue, installationId, true)
    } else {
      const task = rt.engine.get(taskId)
      if (task.status !== 'completed' && task.status !== 'cancelled' && task.status !== 'failed') {
        rt.engine.update(taskId, patch, actor)
        applyCriteria()
      }
      record = {
        ...existing,
        // `issue.body` is the body accepted (refused parts of an edit set back).
        body: issue.body ?? '',
        accepted_body: issue.body ?? '',
        issue_id: issue.id,
        labels: labelNames(issue),
        github_updated_at: issue.updated_at ?? existing.github_updated_at,
        updated_at: rt.now(),
      }
    }
    rt.state.saveIssue({ ...record, status_dirty: true })

    // Dependencies: the body is the source of truth for edges it lists.
    const wanted = new Set<string>()
    for (const item of body.dependsOn) {
      const depId = ensureTracked(rt, item.ref, installationId)
      wanted.add(depId)
      try {
        if (rt.engine.depend(taskId, depId, actor)) touched.add(depId)
      } catch (err) {
        if (!isTaskError(err)) throw err
        problems.push(
          err.code === 'DependencyCycle'
            ? `Dependency on ${item.ref.owner}/${item.ref.repo}#${item.ref.number} refused: it would close the cycle ${(err.details.cycle as string[]).join(' → ')}.`
            : `Dependency on ${item.ref.owner}/${item.ref.repo}#${item.ref.number} not added: ${err.message}`,
        )
      }
    }
    for (const dep of rt.engine.show(taskId).depends_on) {
      if (!wanted.has(dep)) rt.engine.undepend(taskId, dep, actor)
    }
    // Subtasks: each listed issue's task gets this task as parent.
    for (const item of body.subtasks) {
      const childId = ensureTracked(rt, item.ref, installationId)
      try {
        rt.engine.update(childId, { parent_id: taskId }, actor)
      } catch (err) {
        if (!isTaskError(err)) throw err
        problems.push(`Subtask ${childId}: ${err.message}`)
      }
    }
    return { taskId, created, problems, touched, dependsOn: body.dependsOn.map((d) => d.ref) }
  })
}

/**
 * True when a delivery about `issue` is older than one already applied
 * (GitHub does not guarantee delivery order; `issue.updated_at` does).
 * Applying only the newest keeps redelivered and reordered events from
 * undoing later changes.
 */
export function isStale(record: IssueRecord | undefined, issue: IssuePayload): boolean {
  return Boolean(
    record?.github_updated_at && issue.updated_at && issue.updated_at < record.github_updated_at,
  )
}

/** Throw a clear error when an issue payload lacks what the app needs. */
export function requireIssue(issue: unknown): IssuePayload {
  const i = issue as IssuePayload | undefined
  if (!i || typeof i.number !== 'number' || typeof i.title !== 'string') {
    throw new TaskError('InvalidInput', 'Webhook payload has no issue with a number and a title.')
  }
  return i
}
