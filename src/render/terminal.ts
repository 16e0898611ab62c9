/**
 * Whether live output (a spinner, a redrawn line) may draw on this stream: a terminal that
 * says its width. A pseudo-terminal left at 0 columns (`script -c`, some `docker exec -t`)
 * makes ora count one line as endless and clear lines without end, so nothing redraws there.
 */
export function canRedraw(stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && stream.columns > 0
}

/**
 * Calls stop once the terminal is resized to no width while something is drawn; returns the
 * function that stops listening.
 */
export function stopWhenWidthLost(stop: () => void, stream: NodeJS.WriteStream = process.stderr): () => void {
  const onResize = (): void => {
    if (!canRedraw(stream)) stop()
  }
  stream.on('resize', onResize)
  return () => stream.off('resize', onResize)
}
