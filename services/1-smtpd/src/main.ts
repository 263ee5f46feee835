// Entry point of the smtpd deployable: one role per process in a cluster.
import { runService } from '@postfleet/service-kit';
import { smtpdRole } from './role.ts';

await runService([smtpdRole]);
