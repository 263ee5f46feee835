// What every verb handler factory is given: the smtpd dependencies and the
// connection counters (anvil), passed in rather than imported.
import type { Anvil } from './anvil.ts';
import type { SmtpdDeps } from './smtpd-deps.ts';

export interface VerbDeps {
  smtpd: SmtpdDeps;
  anvil: Anvil;
}
