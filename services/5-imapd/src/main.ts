// Entry point of the imapd deployable: one role per process in a cluster.
import { runService } from '@postfleet/service-kit';
import { imapdRole } from './role.ts';

await runService([imapdRole]);
