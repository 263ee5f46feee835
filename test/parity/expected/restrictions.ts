// Known differences from Postfix 3.7 in restriction semantics and recipient
// validation (issue 8 items 1-8 and 12, and the settings a translation cannot
// express). A fix removes its entries: the ratchet fails on a listed match. All
// are fixed today; postmaster@/abuse@ through postmaster_recipient is kept on
// purpose and listed with the deliberate differences.
import type { KnownDifference } from '../support/ratchet.ts';

export const RESTRICTIONS_DIFFERENCES: Readonly<Record<string, KnownDifference>> = {};
