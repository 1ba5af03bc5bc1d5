/**
 * The kernel's YNL specs in ../shared beside the repository (or $NLKIT_YNL_SPECS): extra test coverage when they
 * are there. A clone has nothing beside it, so the suite's own coverage comes from what the repository holds (the
 * generated declarations, small specs the tests write); tests that need the kernel's files skip, saying why.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/src/testing → the repository. */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = resolve(process.env.NLKIT_YNL_SPECS ?? join(root, '..', 'shared', 'ynl-specs'));

/** The spec directory (holding linux-6.12/ and upstream/), or undefined when it is not there. */
export const sharedSpecs: string | undefined = existsSync(join(dir, 'linux-6.12', 'specs')) ? dir : undefined;

/** Test options: run when the shared specs are there, else skip with the reason. */
export const withSharedSpecs: { skip?: string } = sharedSpecs
  ? {}
  : { skip: `extra coverage: the kernel's YNL specs are not at ${dir} (../shared beside the repository, or $NLKIT_YNL_SPECS)` };

/** A shared spec's path (`linux-6.12/specs/ethtool.yaml`); only for tests run under `withSharedSpecs`. */
export function sharedSpec(path: string): string {
  if (!sharedSpecs) throw new Error(`no shared specs: ${withSharedSpecs.skip}`);
  return join(sharedSpecs, path);
}
