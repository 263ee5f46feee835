// Entry point of the authd deployable: one role per process in a cluster.
import { runService } from '@postfleet/service-kit';
import { authdRole } from './role.ts';

await runService([authdRole]);
