/** Where a command-line tool writes: the console, or a test's buffers (tests run the tools in-process, but for one real child each). */
export interface CliOutput {
  out(line: string): void
  err(line: string): void
}

export const CONSOLE: CliOutput = { out: (line) => console.log(line), err: (line) => console.error(line) }

/** Output captured in memory, what a child process would have printed on stdout and stderr. */
export function capturedOutput(): CliOutput & { stdout: () => string; stderr: () => string } {
  let stdout = ''
  let stderr = ''
  return {
    out: (line) => (stdout += `${line}\n`),
    err: (line) => (stderr += `${line}\n`),
    stdout: () => stdout,
    stderr: () => stderr,
  }
}
