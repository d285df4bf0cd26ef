/**
 * The history part of a restore (`./restore.ts`): the events the record
 * shows, appended in their order, with the hand-over of completion summaries
 * to dependents replayed where it happened.
 */
import { appendEvent, type TaskEvent } from './events.js'
import { handOver } from './graph.js'
import type { RestorePlan } from './restore.js'
import { type Ctx, findTaskRow } from './tasks.js'

/**
 * Append the plan's events oldest first, and hand each completed task's
 * summary over to its dependents (`graph.handOver`) where it happened: right
 * after the task's `completed` event, at that time and by that actor — or,
 * when the record shows no such event, at `completed_at` by `completed_by`.
 * `context_handed_over` events of the plan are left out: the hand-over
 * writes them again, so each dependent's history reads as it did.
 */
export function replayHistory(ctx: Ctx, plan: RestorePlan): void {
  const restored = new Map(plan.tasks.map((t) => [t.id, t]))
  const completed = (id: string | null) =>
    id !== null && findTaskRow(ctx.store, id)?.status === 'completed'
  type Item = { at: string; order: number; event?: Omit<TaskEvent, 'id'>; handOver?: string }
  const items: Item[] = (plan.events ?? [])
    .filter(
      (e) => e.type !== 'context_handed_over' && (e.task_id === null || restored.has(e.task_id)),
    )
    .map((event, order) => ({ at: event.at, order, event }))
  const shown = new Set(
    items
      .filter((i) => i.event?.type === 'completed' && completed(i.event.task_id))
      .map((i) => i.event!.task_id),
  )
  for (const t of plan.tasks) {
    if (!shown.has(t.id) && completed(t.id))
      items.push({
        at: t.completed_at ?? t.updated_at ?? ctx.now,
        order: items.length,
        handOver: t.id,
      })
  }
  items.sort((a, b) => a.at.localeCompare(b.at) || a.order - b.order)
  const handedOver = new Set<string>()
  const handOverAt = (id: string, at: string, actor: string | null) => {
    if (handedOver.has(id)) return
    handedOver.add(id)
    handOver({ ...ctx, now: at, nowMs: Date.parse(at) }, id, actor)
  }
  for (const item of items) {
    if (item.handOver) {
      handOverAt(item.handOver, item.at, restored.get(item.handOver)?.completed_by ?? null)
      continue
    }
    const e = item.event!
    appendEvent(ctx.store, e)
    if (e.type === 'completed' && completed(e.task_id)) handOverAt(e.task_id!, e.at, e.actor)
  }
}
