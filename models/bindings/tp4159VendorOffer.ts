// Whether a tp4159 device offers this project's vendor state format (D25):
// the standard leaves it to the device, so a device that does not list the
// nvme-lm vendor state UUID where an option set drives the vendor section
// (or lists it where the option set asks for none) is not the device that
// option set describes. Its suite is unsupported with the reason, not failed,
// and never a crash of verify: the other option set covers such a device.
import { UnsupportedProfileError } from '../../src/target/errors.ts';

/** Throws UnsupportedProfileError when the offer read at reset (CNS 20h) is not the option set's. */
export function requireVendorOffer(suite: string, wanted: boolean, listed: boolean): void {
  if (wanted === listed) return;
  throw new UnsupportedProfileError(
    `tp4159 (${suite})`,
    `the device ${listed ? 'lists' : 'does not list'} the nvme-lm vendor state UUID in Identify CNS 20h (D25), and this option set ` +
      `${wanted ? 'drives the vendor section' : 'asks for a device without it'}; a suite of the other option set covers such a device`,
  );
}
