// Entry point of the cleanup deployable: one role per process in a cluster.
import { runService } from '@postfleet/service-kit';
import { cleanupRole } from './role.ts';

await runService([cleanupRole]);
