// A VF's CSTS while its PF is disabled (after PF CC.EN 1->0 or a PF FLR):
// D18 and D34 put every VF in its power-on state, RDY 0 and CFS 0. A target
// whose VFs are secondary controllers that go offline on a PF reset and come
// back only through the enabled PF (ResetInfo.vfsOfflineWhilePfDisabled,
// QEMU's) cannot show CFS 0 then: a VF reading CFS 1 there is not realisable
// on it, reported with the target's reason after every other check of the
// step has run, never as passed. RDY 1 is a failure on any target.
import type { ResetInfo } from '../../src/target/adapter.ts';
import type { FunctionDriver } from '../host/guest.ts';
import { checkRdy } from './observe.ts';
import { NotRealisable } from './suite.ts';

/** Each VF is checked as `what(fn)` names it; throws Mismatch for a VF that is wrong, NotRealisable when offline VFs are all that differ. */
export async function checkVfsWhilePfDisabled(
  label: string,
  vfs: readonly FunctionDriver[],
  what: (fn: number) => string,
  info: ResetInfo | void,
): Promise<void> {
  const reason = info?.vfsOfflineWhilePfDisabled;
  const offline: number[] = [];
  for (const d of vfs) {
    const csts = await d.csts();
    if (reason !== undefined && csts === CSTS_CFS_ONLY) offline.push(d.fn);
    else await checkRdy(what(d.fn), d, false);
  }
  if (offline.length > 0) {
    throw new NotRealisable(
      `${label}: VF ${offline.join(' and VF ')} read CSTS.CFS 1 while the PF is disabled, where D18 and D34 have every VF in its power-on state (RDY 0, CFS 0); ` +
        `not realisable on this target: ${reason}`,
    );
  }
}

/** CSTS of an offline secondary controller: CFS alone (RDY 0). */
const CSTS_CFS_ONLY = 0x2;
