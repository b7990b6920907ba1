/** Where the CLI's output goes and what it reads of its process; tests pass their own. */
export interface Io {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Colour when this is a terminal (and NO_COLOR is unset). */
  readonly isTTY: boolean;
}
