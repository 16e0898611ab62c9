/** What the generated completion scripts share. */

/** How long a shell keeps the names `violin __complete` printed, in seconds. */
export const cacheSeconds = 5

const SAFE = /^[\w.:/@+,=-]+$/

/** A word put into a script unquoted (ids, flag names, option values): refuse anything else. */
export function safe(word: string): string {
  if (!SAFE.test(word)) throw new Error(`completion: unexpected characters in ${JSON.stringify(word)}`)
  return word
}
