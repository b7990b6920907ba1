// The platform's own sampler tests (src/skeletons/platform/test/sampling.test.ts) run here too: that module needs
// no dependency of the generated workspace, so allframe's jest checks it on every run, not only the end-to-end test.
import '../../src/skeletons/platform/test/sampling.test';
