import * as v from 'valibot'

import type {ConfigError} from '../errors.js'
import {fileError} from './error.js'
import type {PathKey, Source} from './source.js'

export {fileError} from './error.js'

type Issue = v.BaseIssue<unknown>

/**
 * A union that failed on every option: the option that got furthest names the real
 * mistake. Its issues' paths start at the union, so they are joined to the union's own.
 */
function deepest(issue: Issue, prefix: PathKey[] = []): {issue: Issue; path: PathKey[]} {
  let best = {issue, path: [...prefix, ...(issue.path ?? []).map((p) => p.key as PathKey)]}
  for (const sub of issue.issues ?? []) {
    const d = deepest(sub, best.path)
    if (d.path.length > best.path.length) best = d
  }
  return best
}

/** Our schemas' messages are the expectation ("a size like 512M"); valibot's own are "Invalid type: ...". */
function expectation(issue: Issue): string {
  return issue.message.startsWith('Invalid ') ? (issue.expected ?? 'something else') : issue.message
}

/** The first issue as a ConfigError at its line and column. */
export function issueError(source: Source, first: Issue): ConfigError {
  const {issue, path} = deepest(first)
  const onKey = issue.path?.at(-1)?.origin === 'key'
  // A key that should not be there: its name is what was found. A missing one: nothing was.
  const unknownKey = onKey && issue.expected === 'never'
  return fileError(source, path, expectation(issue), unknownKey ? issue.input : onKey ? undefined : issue.input, {key: onKey})
}

/** Checks a parsed document against its schema; the first mistake is a ConfigError naming where it is. */
export function check<S extends v.GenericSchema>(schema: S, value: unknown, source: Source): v.InferOutput<S> {
  const result = v.safeParse(schema, value, {abortEarly: true})
  if (result.success) return result.output
  throw issueError(source, result.issues[0])
}

/** The same check for a message from a peer (the agent's socket): the mistake as one line, no file. */
export function checkMessage<S extends v.GenericSchema>(
  schema: S,
  value: unknown,
): {ok: true; value: v.InferOutput<S>} | {ok: false; error: string} {
  const result = v.safeParse(schema, value, {abortEarly: true})
  if (result.success) return {ok: true, value: result.output}
  const error = issueError({where: '', position: () => undefined}, result.issues[0])
  return {ok: false, error: error.message.replace(/^: /, '')}
}
