/**
 * One refused field of an input, in the words every front door uses (see
 * `schemas.ts`, `checkInput`). A module of its own, free of zod, so the
 * package's published types (build/types) name no zod type.
 */
/** One field a schema refused: where, and the sentence naming it and what is wrong. */
export interface InputProblem {
  /** The field's path in the input (`['success_criteria', 0, 'criterion']`). */
  path: PropertyKey[]
  /** The field in words and what is wrong (`title: at most 300 characters (got 301)`). */
  text: string
}
