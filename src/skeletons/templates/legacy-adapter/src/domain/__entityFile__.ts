/** A __Entity__ as this domain sees it, whatever the legacy system calls it. Give it real fields. */
export interface __Entity__ {
  readonly id: string;
  readonly fields: Readonly<Record<string, unknown>>;
}
