/** The synth stage: the generated workspace and the target's infrastructure from a validated model (see synthesize.ts). */
export { synthesize } from './synthesize';
export type { SynthesizeOptions, SynthesisResult, SynthesisSummary } from './synthesize';
export { synthesizeFile } from './file';
export type { SynthesizeFileOptions, SynthesizeFileResult } from './file';
