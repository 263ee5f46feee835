// Known differences from Postfix 3.7 in command parsing and replies (issue 8
// items 9-11 and 13-20, and differences issue 8 does not name). A fix removes
// its entries: the ratchet fails on a listed match. All are fixed today; a new
// difference must be fixed or listed here with its item and reason.
import type { KnownDifference } from '../support/ratchet.ts';

export const COMMANDS_DIFFERENCES: Readonly<Record<string, KnownDifference>> = {};
