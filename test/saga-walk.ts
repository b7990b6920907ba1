/**
 * Walking a saga's Step Functions definition, for the tests of the construct (test/lib-constructs) and of the AWS
 * target (test/targets/aws): one walker, so both read a definition the same way.
 */

/** What the walk reads of a state. */
export interface WalkableState {
  readonly Type: string;
  readonly Next?: string;
  readonly Catch?: readonly { readonly Next: string }[];
}

/**
 * Walks a saga's definition from StartAt: the states in `failing` go to their first catcher, every other state to its
 * Next. The tasks run (steps and compensations, in order) and the name of the Succeed or Fail state it ends in.
 * Throws on a state that is missing or has nowhere to go, and on a walk that does not end.
 */
export function walkSaga(def: { readonly StartAt: string; readonly States: Readonly<Record<string, WalkableState>> }, ...failing: string[]): { tasks: string[]; end: string } {
  const tasks: string[] = [];
  let name = def.StartAt;
  for (let hops = 0; hops < 100; hops++) {
    const state = def.States[name];
    if (!state) throw new Error(`no state ${name}`);
    if (state.Type === 'Succeed' || state.Type === 'Fail') return { tasks, end: name };
    if (state.Type === 'Task') tasks.push(name);
    const next = failing.includes(name) ? state.Catch?.[0]?.Next : state.Next;
    if (next === undefined) throw new Error(`${name} has nowhere to go`);
    name = next;
  }
  throw new Error('the walk does not end');
}
