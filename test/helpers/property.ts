/**
 * Property tests through tap: fast-check runs the property and shrinks a failure to a
 * minimal counterexample, and the verdict (with that counterexample) is one tap assertion.
 *
 * A property signals a failure by returning false or throwing, never by calling `t.fail`
 * inside the predicate: fast-check cannot see a tap assertion, so it could not shrink it.
 */
import type { Test } from 'tap'
import fc from 'fast-check'

/** Runs `property` (sync or async) and asserts through `t` that it holds; a failure shows the shrunk counterexample. */
export async function assertProperty<Ts> (t: Test, property: fc.IRawProperty<Ts>, params: fc.Parameters<Ts> = {}, name = 'the property holds'): Promise<void> {
  const details = await fc.check(property, params)
  if (details.failed) {
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)
    t.fail(`${name}: ${error}`, { counterexample: details.counterexample, seed: details.seed, path: details.counterexamplePath, runs: details.numRuns, shrinks: details.numShrinks })
  } else {
    t.pass(`${name} (${details.numRuns} runs)`)
  }
}

/** Throws when `condition` is false: a property's failure, for fast-check to shrink. */
export function expect (condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message)
}
