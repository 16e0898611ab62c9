const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/

/** Quotes one argument for a POSIX shell: the remote sshd hands our command line to one. */
export function quoteArg(arg: string): string {
  if (arg !== '' && SAFE.test(arg)) return arg
  return `'${arg.replaceAll("'", `'\\''`)}'`
}

export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ')
}
