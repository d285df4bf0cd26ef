/**
 * The published TaskRowInput/TaskRow types (src/core/task-row.ts, written
 * out so the package's types name no zod type) equal the TaskRow schema's
 * input and output: checked by tsc (npm run typecheck) — adding a field to
 * the schema without the interface, or the other way round, fails to compile.
 */
import { describe, expectTypeOf, it } from 'vitest'
import type * as z from 'zod/mini'
import type { schemas } from '../../src/core/schemas.js'
import type { TaskRow, TaskRowInput } from '../../src/core/task-row.js'

type Schema = ReturnType<typeof schemas>['TaskRow']

describe('TaskRow types', () => {
  it('equal the schema’s input and output', () => {
    expectTypeOf<TaskRowInput>().toEqualTypeOf<z.input<Schema>>()
    expectTypeOf<TaskRow>().toEqualTypeOf<z.output<Schema>>()
  })
})
