// Entry point of the operator deployable: one role per process in a cluster.
import { runService } from '@postfleet/service-kit';
import { operatorRole } from './role.ts';

await runService([operatorRole]);
